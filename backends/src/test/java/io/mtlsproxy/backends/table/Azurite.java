package io.mtlsproxy.backends.table;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Azurite Table service (the Azure Storage emulator), started by the tests on a free port
 * from the copy the build installed (backends/pom.xml: {@code azurite.directory}), in memory, and
 * stopped with its whole process tree. Missing Azurite or node fails the test with the reason:
 * these tests never skip themselves.
 */
final class Azurite implements AutoCloseable {
    static final String ACCOUNT = "devstoreaccount1";
    static final String KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    /** Azurite needs about 2 s; a loaded build machine gets much longer before the test fails. */
    private static final long START_SECONDS = 60;

    private final Process process;
    private final int port;
    private final boolean https;
    private final Deque<String> output = new ConcurrentLinkedDeque<>();

    private Azurite(Process process, int port, boolean https) {
        this.process = process;
        this.port = port;
        this.https = https;
    }

    /** Plain HTTP with shared-key and SAS authentication. */
    static Azurite start() {
        return start(null, null);
    }

    /**
     * Over HTTPS with {@code --oauth basic}, so bearer tokens are accepted (and checked for their
     * audience, issuer and lifetime, not their signature).
     */
    static Azurite startHttpsWithOAuth(Path certificatePem, Path keyPem) {
        return start(certificatePem, keyPem);
    }

    private static Azurite start(Path certificatePem, Path keyPem) {
        Path executable = executable();
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(executable.toString(),
                "--tableHost", "127.0.0.1", "--tablePort", String.valueOf(port),
                "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry"));
        if (certificatePem != null) {
            command.addAll(List.of("--oauth", "basic", "--cert", certificatePem.toString(), "--key", keyPem.toString()));
        }
        Process process;
        try {
            // under target/ (next to the installed Azurite), so a build leaves nothing in /tmp
            Path workspace = Files.createTempDirectory(executable.getParent().getParent().getParent(), "workspace");
            process = new ProcessBuilder(command).directory(workspace.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start Azurite (" + executable + "): is node on the PATH? " + e, e);
        }
        Azurite azurite = new Azurite(process, port, certificatePem != null);
        CompletableFuture<Void> started = new CompletableFuture<>();
        Thread reader = new Thread(() -> azurite.readOutput(started), "azurite-" + port + "-output");
        reader.setDaemon(true);
        reader.start();
        process.onExit().thenRun(() -> started.completeExceptionally(
                new IllegalStateException("Azurite exited with " + process.exitValue() + " before it was ready:\n"
                        + String.join("\n", azurite.output))));
        try {
            started.get(START_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            azurite.close();
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            azurite.close();
            throw new IllegalStateException("Azurite did not start within " + START_SECONDS + "s:\n"
                    + String.join("\n", azurite.output), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            azurite.close();
            throw new IllegalStateException("interrupted while starting Azurite", e);
        }
        return azurite;
    }

    private static Path executable() {
        String directory = System.getProperty("azurite.directory");
        if (directory == null) {
            throw new IllegalStateException("run the Table tests through Maven: backends/pom.xml installs Azurite and"
                    + " sets the system property azurite.directory");
        }
        Path executable = Path.of(directory, "node_modules", ".bin", "azurite-table");
        if (!Files.isExecutable(executable)) {
            throw new IllegalStateException("Azurite is not installed at " + executable + ": the build installs it with"
                    + " npm in generate-test-resources (Node.js 20 and npm are required)");
        }
        return executable;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void readOutput(CompletableFuture<Void> started) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                output.add(line);
                if (output.size() > 200) {
                    output.removeFirst();
                }
                if (line.contains("successfully started")) {
                    started.complete(null);
                }
            }
        } catch (IOException e) {
            // the process was stopped
        }
    }

    int port() {
        return port;
    }

    /** The account URL, e.g. {@code http://127.0.0.1:PORT/devstoreaccount1}. */
    String accountUrl() {
        return (https ? "https" : "http") + "://127.0.0.1:" + port + "/" + ACCOUNT;
    }

    String connectionString() {
        return "DefaultEndpointsProtocol=" + (https ? "https" : "http") + ";AccountName=" + ACCOUNT + ";AccountKey=" + KEY
                + ";TableEndpoint=" + accountUrl() + ";";
    }

    boolean isRunning() {
        return process.isAlive();
    }

    /** Stops the emulator and everything it started; waits until they are gone. */
    @Override
    public void close() {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                tree.forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (ProcessHandle child : tree) {
                child.onExit().get(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            tree.forEach(ProcessHandle::destroyForcibly);
        }
    }
}
