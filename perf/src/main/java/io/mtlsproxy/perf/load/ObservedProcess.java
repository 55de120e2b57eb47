package io.mtlsproxy.perf.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A process seen from outside through /proc and jcmd: CPU time, resident memory and (for a JVM)
 * used heap. The server under load, and the harness itself (to show what the load cost the
 * client). Read only at phase boundaries, never while measuring.
 */
final class ObservedProcess {
    private final long pid;
    private final Path proc;
    private final long clockTicksPerSecond;

    ObservedProcess(long pid) {
        this.pid = pid;
        this.proc = Path.of("/proc", Long.toString(pid));
        if (!Files.isReadable(proc.resolve("stat"))) {
            throw new IllegalArgumentException("process " + pid + ": no readable /proc/" + pid + "/stat");
        }
        this.clockTicksPerSecond = clockTicks();
    }

    /** The harness's own process, or empty where there is no /proc (not Linux). */
    static Optional<ObservedProcess> self() {
        try {
            return Optional.of(new ObservedProcess(ProcessHandle.current().pid()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    long pid() {
        return pid;
    }

    /** User plus system CPU seconds the process has used so far. */
    double cpuSeconds() {
        return (double) ProcFiles.cpuTicks(read("stat")) / clockTicksPerSecond;
    }

    long rssKib() {
        return ProcFiles.vmRssKib(read("status"));
    }

    OptionalLong maxOpenFiles() {
        return ProcFiles.maxOpenFiles(read("limits"));
    }

    /**
     * Used heap after an optional full GC ({@code jcmd PID GC.run}); empty when the process is not a
     * JVM jcmd can attach to (another user, no jcmd on the PATH, nginx).
     */
    Optional<Long> heapUsedKib(boolean collectFirst) {
        if (collectFirst && jcmd("GC.run").isEmpty()) {
            return Optional.empty();
        }
        return jcmd("GC.heap_info").map(ProcFiles::heapUsedKib);
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

    private String read(String file) {
        try {
            return Files.readString(proc.resolve(file), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/" + pid + "/" + file + " (has the server exited?)", e);
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
