package io.mtlsproxy.perf.load;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The figures of one run, written by every event loop at once. Only what lies inside the
 * measurement window counts: an operation whose intended start is before the window (warm-up) or
 * that completes after it (shutdown) is left out, so warm-up and the final closing of connections
 * never show in the figures.
 */
final class LoadStats {
    private final long windowStart;
    private final long windowEnd;
    private final LongAdder responses = new LongAdder();
    private final LongAdder handshakes = new LongAdder();
    private final LongAdder resumed = new LongAdder();
    private final LongAdder notResumed = new LongAdder();
    private final Map<ErrorKind, LongAdder> errors = new EnumMap<>(ErrorKind.class);
    // Recorder: wait-free recording from several event loops; one histogram taken at the end
    private final Recorder latencyNanos = new Recorder(3);

    /** @param windowStart,windowEnd the measured window, in {@link NanoClock} time */
    LoadStats(long windowStart, long windowEnd) {
        if (windowEnd < windowStart) {
            throw new IllegalArgumentException("window ends before it starts");
        }
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        for (ErrorKind kind : ErrorKind.values()) {
            errors.put(kind, new LongAdder());
        }
    }

    boolean counts(long intendedStart, long completedAt) {
        return intendedStart >= windowStart && completedAt <= windowEnd;
    }

    /** A complete 200 response (with the expected body) to a request meant to start at {@code intendedStart}. */
    void response(long intendedStart, long completedAt) {
        if (counts(intendedStart, completedAt)) {
            responses.increment();
            latencyNanos.recordValue(Math.max(0, completedAt - intendedStart));
        }
    }

    /** A completed handshake of a connection whose opening was meant to start at {@code intendedStart}. */
    void handshake(boolean sessionReused, long intendedStart, long completedAt) {
        if (counts(intendedStart, completedAt)) {
            handshakes.increment();
            (sessionReused ? resumed : notResumed).increment();
        }
    }

    void error(ErrorKind kind, long intendedStart, long failedAt) {
        if (counts(intendedStart, failedAt)) {
            errors.get(kind).increment();
        }
    }

    /**
     * The figures so far; take it once the window is over.
     *
     * @param measuredNanos the time the rates are per: the window, or (idle) the time connections were held
     */
    Counts snapshot(long measuredNanos) {
        Map<ErrorKind, Long> errorCounts = new EnumMap<>(ErrorKind.class);
        errors.forEach((kind, count) -> errorCounts.put(kind, count.sum()));
        Histogram latency = latencyNanos.getIntervalHistogram();
        return new Counts(responses.sum(), handshakes.sum(), resumed.sum(), notResumed.sum(), errorCounts,
                Latency.of(latency), measuredNanos);
    }

    /** Latency percentiles in microseconds. */
    record Latency(long count, double mean, long p50, long p90, long p99, long p999, long max) {
        static Latency of(Histogram nanos) {
            if (nanos.getTotalCount() == 0) {
                return new Latency(0, 0, 0, 0, 0, 0, 0);
            }
            return new Latency(nanos.getTotalCount(), nanos.getMean() / 1_000.0,
                    micros(nanos.getValueAtPercentile(50)), micros(nanos.getValueAtPercentile(90)),
                    micros(nanos.getValueAtPercentile(99)), micros(nanos.getValueAtPercentile(99.9)),
                    micros(nanos.getMaxValue()));
        }

        private static long micros(long nanos) {
            return TimeUnit.NANOSECONDS.toMicros(nanos);
        }
    }

    record Counts(long responses, long handshakes, long resumed, long notResumed, Map<ErrorKind, Long> errors,
            Latency latency, long windowNanos) {
        Counts {
            errors = Map.copyOf(errors);
        }

        long errorTotal() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }

        long error(ErrorKind kind) {
            return errors.getOrDefault(kind, 0L);
        }

        double perSecond(long count) {
            return windowNanos == 0 ? 0 : count * 1e9 / windowNanos;
        }
    }
}
