package io.mtlsproxy.core.config;

import java.time.Duration;

/**
 * One backend's cache settings; every field left out takes the value of {@code secrets.cache}.
 *
 * @param ttl how long a value from this backend is served from memory
 * @param refreshAhead how long before {@code ttl} runs out a requested value is reloaded in the
 *     background, so a hot secret never goes cold
 * @param negativeTtl how long a "not found" answer is remembered
 * @param staleIfError how long past its {@code ttl} the last good value is still served (marked
 *     stale) while the backend fails or times out
 */
public record BackendCacheConfig(Duration ttl, Duration refreshAhead, Duration negativeTtl, Duration staleIfError) {

    public static BackendCacheConfig inherit() {
        return new BackendCacheConfig(null, null, null, null);
    }
}
