package io.mtlsproxy.core.config;

/**
 * A token bucket: {@code rate} tokens per second, holding at most {@code burst}. Off when no rate is set.
 *
 * @param rate tokens added per second (fractions allowed, e.g. 0.5 for one every two seconds); none means no limit
 * @param burst the bucket's size, what a client may spend at once; default the rate rounded up (at least 1)
 */
public record RateLimitConfig(Double rate, Integer burst) {

    public static RateLimitConfig off() {
        return new RateLimitConfig(null, null);
    }

    public boolean enabled() {
        return rate != null;
    }

    /** The bucket size in effect. */
    public int effectiveBurst() {
        if (burst != null) {
            return burst;
        }
        return rate == null ? 0 : (int) Math.max(1, Math.ceil(rate));
    }
}
