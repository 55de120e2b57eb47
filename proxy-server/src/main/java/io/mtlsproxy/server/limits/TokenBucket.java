package io.mtlsproxy.server.limits;

import io.mtlsproxy.core.config.RateLimitConfig;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lock-free token bucket, kept as one number: the time at which the bucket would be full again
 * (the generic cell rate algorithm). Taking a token moves that time one interval later; a take
 * that would move it further than the bucket's span ahead of now is refused, and the excess is
 * how long the caller must wait. One CAS per take, no allocation, no lock.
 */
final class TokenBucket {
    private final long intervalNanos;
    private final long spanNanos;
    private final AtomicLong fullAt;

    TokenBucket(double perSecond, int burst, long nowNanos) {
        this.intervalNanos = Math.max(1, Math.round(1_000_000_000d / perSecond));
        this.spanNanos = intervalNanos * burst;
        this.fullAt = new AtomicLong(nowNanos);
    }

    static TokenBucket of(RateLimitConfig config, long nowNanos) {
        return config.enabled() ? new TokenBucket(config.rate(), config.effectiveBurst(), nowNanos) : null;
    }

    /** @return 0 when a token was taken, otherwise the nanoseconds until one will be there */
    long tryTake(long nowNanos) {
        while (true) {
            long full = fullAt.get();
            long base = full - nowNanos > 0 ? full : nowNanos;
            long next = base + intervalNanos;
            long ahead = next - nowNanos;
            if (ahead > spanNanos) {
                return ahead - spanNanos;
            }
            if (fullAt.compareAndSet(full, next)) {
                return 0;
            }
        }
    }
}
