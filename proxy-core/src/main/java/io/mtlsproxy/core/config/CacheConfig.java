package io.mtlsproxy.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The secret cache.
 *
 * @param ttl how long a fetched secret is served from memory
 * @param maxEntries bound on cached secrets
 */
public record CacheConfig(Duration ttl, Integer maxEntries) {
    public CacheConfig {
        ttl = Objects.requireNonNullElse(ttl, Duration.ofMinutes(5));
        maxEntries = Objects.requireNonNullElse(maxEntries, 10_000);
    }

    public static CacheConfig defaults() {
        return new CacheConfig(null, null);
    }
}
