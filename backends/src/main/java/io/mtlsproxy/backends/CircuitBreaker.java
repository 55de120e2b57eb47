package io.mtlsproxy.backends;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;

/**
 * One backend's circuit breaker: {@code failureThreshold} failures in a row open it; while open,
 * calls are refused without reaching the backend; after {@code openFor} one trial call goes
 * through (half-open), and its outcome closes the breaker or opens it again.
 *
 * <p>Only backend calls pass through here (never cache hits), so a monitor is cheap enough.
 */
final class CircuitBreaker {
    enum State { CLOSED, OPEN, HALF_OPEN }

    /** What a refused caller is told while the trial call is out: it will be decided soon. */
    private static final long TRIAL_RETRY_NANOS = Duration.ofSeconds(1).toNanos();

    private final int failureThreshold;
    private final long openForNanos;
    private final Ticker ticker;

    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long openedAt;

    CircuitBreaker(int failureThreshold, Duration openFor, Ticker ticker) {
        this.failureThreshold = failureThreshold;
        this.openForNanos = openFor.toNanos();
        this.ticker = ticker;
    }

    /**
     * Asks to call the backend.
     *
     * @return 0 when the call may go ahead, otherwise how many nanoseconds the caller should wait
     */
    synchronized long tryAcquire() {
        switch (state) {
            case CLOSED:
                return 0;
            case OPEN:
                long left = openedAt + openForNanos - ticker.read();
                if (left > 0) {
                    return left;
                }
                state = State.HALF_OPEN; // this caller's call is the trial
                return 0;
            default:
                return TRIAL_RETRY_NANOS;
        }
    }

    synchronized void onSuccess() {
        state = State.CLOSED;
        consecutiveFailures = 0;
    }

    synchronized void onFailure() {
        if (state == State.HALF_OPEN) {
            open();
        } else if (state == State.CLOSED && ++consecutiveFailures >= failureThreshold) {
            open();
        }
        // OPEN: a call started before the breaker opened; the open period is not extended
    }

    synchronized State state() {
        return state;
    }

    private void open() {
        state = State.OPEN;
        openedAt = ticker.read();
        consecutiveFailures = 0;
    }
}
