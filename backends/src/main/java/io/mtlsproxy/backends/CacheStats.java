package io.mtlsproxy.backends;

/**
 * Counters of a {@link SecretCache} since it was built, for metrics.
 *
 * @param hits requests answered by an entry already present, loaded or still loading
 * @param misses requests that found no entry
 * @param loads backend calls; fewer than misses when concurrent misses shared one call
 * @param loadFailures backend calls that failed (and so were not cached)
 */
public record CacheStats(long hits, long misses, long loads, long loadFailures) {}
