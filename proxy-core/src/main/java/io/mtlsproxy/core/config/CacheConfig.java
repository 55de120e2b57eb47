package io.mtlsproxy.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The secret cache: the defaults every backend's {@code cache} settings fall back to.
 *
 * @param ttl how long a fetched secret is served from memory
 * @param maxEntries bound on cached secrets (and remembered "not found" answers)
 * @param refreshAhead how long before {@code ttl} runs out a requested value is reloaded in the
 *     background, so a hot secret never goes cold; 0 turns refresh-ahead off
 * @param negativeTtl how long a "not found" answer is remembered; 0 turns negative caching off
 * @param staleIfError how long past its {@code ttl} the last good value is still served (marked
 *     stale) while its backend fails or times out; 0 turns stale serving off
 */
public record CacheConfig(Duration ttl, Integer maxEntries, Duration refreshAhead, Duration negativeTtl,
        Duration staleIfError) {
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_ENTRIES = 10_000;
    public static final Duration DEFAULT_REFRESH_AHEAD = Duration.ofSeconds(30);
    public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_STALE_IF_ERROR = Duration.ofHours(1);

    public CacheConfig {
        ttl = Objects.requireNonNullElse(ttl, DEFAULT_TTL);
        maxEntries = Objects.requireNonNullElse(maxEntries, DEFAULT_MAX_ENTRIES);
        refreshAhead = Objects.requireNonNullElse(refreshAhead, DEFAULT_REFRESH_AHEAD);
        negativeTtl = Objects.requireNonNullElse(negativeTtl, DEFAULT_NEGATIVE_TTL);
        staleIfError = Objects.requireNonNullElse(staleIfError, DEFAULT_STALE_IF_ERROR);
    }

    /** A cache with the given ttl and bound and the default refresh-ahead, negative TTL and grace. */
    public CacheConfig(Duration ttl, Integer maxEntries) {
        this(ttl, maxEntries, null, null, null);
    }

    public static CacheConfig defaults() {
        return new CacheConfig(null, null, null, null, null);
    }
}
