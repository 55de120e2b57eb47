package io.mtlsproxy.perf.load;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers of the Linux /proc texts and jcmd output the harness reads; pure functions of the text. */
final class ProcFiles {
    private static final Pattern VM_RSS = Pattern.compile("(?m)^VmRSS:\\s+(\\d+)\\s+kB");
    private static final Pattern MAX_OPEN_FILES = Pattern.compile("(?m)^Max open files\\s+(\\d+|unlimited)\\s+");
    // G1 / Parallel / Serial all print "... total 262144K, used 12345K [..." for the whole heap first
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    private ProcFiles() {}

    /**
     * CPU time of a process in clock ticks, user plus system, from {@code /proc/PID/stat}. The
     * command name in parentheses may hold spaces and parentheses, so fields count from the last ')'.
     */
    static long cpuTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line");
        }
        // after ") ": field 3 (state) is index 0, so utime (field 14) is index 11 and stime (15) index 12
        String[] fields = stat.substring(close + 1).trim().split("\\s+");
        if (fields.length < 13) {
            throw new IllegalArgumentException("a /proc/PID/stat line with too few fields");
        }
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** Resident set size in KiB from {@code /proc/PID/status}. */
    static long vmRssKib(String status) {
        Matcher m = VM_RSS.matcher(status);
        if (!m.find()) {
            throw new IllegalArgumentException("no VmRSS line (a kernel thread, or the process has exited)");
        }
        return Long.parseLong(m.group(1));
    }

    /** The soft limit on open files from {@code /proc/PID/limits}; empty when unlimited. */
    static OptionalLong maxOpenFiles(String limits) {
        Matcher m = MAX_OPEN_FILES.matcher(limits);
        if (!m.find()) {
            throw new IllegalArgumentException("no 'Max open files' line");
        }
        return m.group(1).equals("unlimited") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(m.group(1)));
    }

    /** Used heap in KiB from {@code jcmd PID GC.heap_info}: the first "used NK", the whole heap's. */
    static long heapUsedKib(String heapInfo) {
        Matcher m = HEAP_USED.matcher(heapInfo);
        if (!m.find()) {
            throw new IllegalArgumentException("no 'used NK' in GC.heap_info output");
        }
        return Long.parseLong(m.group(1));
    }
}
