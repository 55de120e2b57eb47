package io.mtlsproxy.perf.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A server seen from outside through /proc and jcmd: CPU time and resident memory summed over its
 * processes (nginx: a master and its workers), and for a JVM the used heap of the first. The server
 * under load, and the harness itself (to show what the load cost the client). Read only at phase
 * boundaries, never while measuring.
 */
final class ObservedProcess {
    private final long pid;
    private final List<Path> procs;
    private final long clockTicksPerSecond;

    ObservedProcess(List<Long> pids) {
        if (pids.isEmpty()) {
            throw new IllegalArgumentException("no process given");
        }
        this.pid = pids.get(0);
        this.procs = pids.stream().map(each -> Path.of("/proc", Long.toString(each))).toList();
        for (Path proc : procs) {
            if (!Files.isReadable(proc.resolve("stat"))) {
                throw new IllegalArgumentException("process " + proc.getFileName() + ": no readable " + proc + "/stat");
            }
        }
        this.clockTicksPerSecond = clockTicks();
    }

    /** The harness's own process, or empty where there is no /proc (not Linux). */
    static Optional<ObservedProcess> self() {
        try {
            return Optional.of(new ObservedProcess(List.of(ProcessHandle.current().pid())));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    long pid() {
        return pid;
    }

    /** User plus system CPU seconds the processes have used so far. */
    double cpuSeconds() {
        long ticks = 0;
        for (Path proc : procs) {
            ticks += ProcFiles.cpuTicks(read(proc, "stat"));
        }
        return (double) ticks / clockTicksPerSecond;
    }

    long rssKib() {
        long kib = 0;
        for (Path proc : procs) {
            kib += ProcFiles.vmRssKib(read(proc, "status"));
        }
        return kib;
    }

    /** The last process's limit: the one that holds the connections (the only one, or nginx's last worker). */
    OptionalLong maxOpenFiles() {
        return ProcFiles.maxOpenFiles(read(procs.get(procs.size() - 1), "limits"));
    }

    /**
     * Used heap after an optional full GC ({@code jcmd PID GC.run}); empty when the process is not a
     * JVM jcmd can attach to (another user, no jcmd on the PATH, nginx).
     */
    Optional<Long> heapUsedKib(boolean collectFirst) {
        if (!isJvm()) {
            // jcmd attaches by sending SIGQUIT, which stops nginx (gracefully): never send it to anything else
            return Optional.empty();
        }
        if (collectFirst && jcmd("GC.run").isEmpty()) {
            return Optional.empty();
        }
        return jcmd("GC.heap_info").map(ProcFiles::heapUsedKib);
    }

    /** Whether the first process has a JVM loaded: the only kind jcmd may be pointed at. */
    boolean isJvm() {
        try (java.util.stream.Stream<String> maps = Files.lines(procs.get(0).resolve("maps"), StandardCharsets.US_ASCII)) {
            return maps.anyMatch(line -> line.endsWith("/libjvm.so"));
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    private Optional<String> jcmd(String command) {
        try {
            Process process = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                return Optional.empty();
            }
            return Optional.of(new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static String read(Path proc, String file) {
        try {
            return Files.readString(proc.resolve(file), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + proc + "/" + file + " (has the server exited?)", e);
        }
    }

    /** CLK_TCK: 100 on every mainstream Linux build, asked of getconf in case this one differs. */
    private static long clockTicks() {
        try {
            Process process = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (process.waitFor(5, TimeUnit.SECONDS) && process.exitValue() == 0) {
                return Long.parseLong(out);
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to the usual value
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }

    /** The harness's own soft limit on open files, empty when unlimited or not on Linux. */
    static OptionalLong ownMaxOpenFiles() {
        try {
            return ProcFiles.maxOpenFiles(Files.readString(Path.of("/proc/self/limits"), StandardCharsets.US_ASCII));
        } catch (IOException | IllegalArgumentException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Why {@code limit} (a soft ulimit -n) is too low for a run, or empty when it is enough; a
     * process can raise its soft limit only from its shell, so the harness says so and stops.
     */
    static Optional<String> fileLimitProblem(OptionalLong limit, LoadOptions options) {
        if (limit.isEmpty() || limit.getAsLong() >= options.filesNeeded()) {
            return Optional.empty();
        }
        return Optional.of(String.format(java.util.Locale.ROOT,
                "the open-file limit (ulimit -n) is %d but %d connections need about %d: "
                        + "raise it in the shell that starts the harness (ulimit -n %d) or lower --concurrency",
                limit.getAsLong(), options.concurrency(), options.filesNeeded(), options.filesNeeded()));
    }
}
