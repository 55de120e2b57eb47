package io.mtlsproxy.backends;

/**
 * Counters of a {@link SecretCache} since it was built, for metrics.
 *
 * @param hits requests answered from memory (fresh values and remembered "not found" answers)
 * @param misses requests that found no usable entry (cold, or past its ttl) and waited for a load
 * @param loads backend calls started; fewer than misses when concurrent misses shared one call
 * @param loadFailures loads that failed (errors, timeouts, an open breaker); never cached
 * @param refreshes background reloads started because a value was read near the end of its ttl
 * @param staleServes answers with the last good value because its backend failed
 * @param negativeHits hits on a remembered "not found" (also counted in hits)
 * @param timeouts backend calls abandoned after the backend's timeout
 * @param breakerRejections loads refused by an open circuit breaker, without a backend call
 */
public record CacheStats(long hits, long misses, long loads, long loadFailures, long refreshes, long staleServes,
        long negativeHits, long timeouts, long breakerRejections) {}
