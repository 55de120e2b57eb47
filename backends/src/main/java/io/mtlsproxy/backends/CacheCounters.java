package io.mtlsproxy.backends;

import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link CacheStats}, shared by the cache and its resilient backends. */
final class CacheCounters {
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder loads = new LongAdder();
    final LongAdder loadFailures = new LongAdder();
    final LongAdder refreshes = new LongAdder();
    final LongAdder staleServes = new LongAdder();
    final LongAdder negativeHits = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder breakerRejections = new LongAdder();

    CacheStats snapshot() {
        return new CacheStats(hits.sum(), misses.sum(), loads.sum(), loadFailures.sum(), refreshes.sum(),
                staleServes.sum(), negativeHits.sum(), timeouts.sum(), breakerRejections.sum());
    }
}
