package io.mtlsproxy.perf.load;

import java.util.concurrent.atomic.AtomicLong;

/**
 * When the next request is meant to start. Latency is measured from that intended time, not from
 * when the request could actually be sent, so a stalled server cannot hide its stall by slowing
 * the client down (coordinated omission).
 */
interface SendSchedule {
    /** The intended start of the next request; the caller waits until then if it is in the future. */
    long nextSendTime();

    /** Closed loop: each loop sends as soon as its previous request is done; intended = now. */
    static SendSchedule closedLoop(NanoClock clock) {
        return clock::nanoTime;
    }

    /**
     * Fixed rate shared by all loops: the k-th request of the run is due at {@code start + k / rate}
     * whichever loop takes it, however late that loop is.
     */
    static SendSchedule fixedRate(NanoClock clock, double requestsPerSecond) {
        return new FixedRate(clock.nanoTime(), requestsPerSecond);
    }

    final class FixedRate implements SendSchedule {
        private final long startNanos;
        private final double intervalNanos;
        private final AtomicLong taken = new AtomicLong();

        FixedRate(long startNanos, double requestsPerSecond) {
            if (!(requestsPerSecond > 0)) {
                throw new IllegalArgumentException("rate must be positive: " + requestsPerSecond);
            }
            this.startNanos = startNanos;
            this.intervalNanos = 1e9 / requestsPerSecond;
        }

        @Override
        public long nextSendTime() {
            return startNanos + (long) (taken.getAndIncrement() * intervalNanos);
        }
    }
}
