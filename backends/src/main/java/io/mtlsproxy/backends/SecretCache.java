package io.mtlsproxy.backends;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.CacheConfig;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The cache in front of the backends: entries expire a fixed time after they were loaded, the
 * number of entries is bounded, and concurrent requests for a name that is not cached share one
 * backend call. A failed call is not cached: the next request calls the backend again.
 *
 * <p>{@link #get} returns the cache's own future, shared by every caller of that name: callers
 * must treat it as read-only (never complete, cancel or {@code orTimeout} it; put a timeout on
 * a {@code copy()}). That is what keeps a hit free of allocation.
 */
public final class SecretCache {
    private final AsyncLoadingCache<SecretRef, SecretValue> cache;
    private final Function<SecretRef, CompletableFuture<SecretValue>> loader;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder loads = new LongAdder();
    private final LongAdder loadFailures = new LongAdder();
    private final BiConsumer<SecretValue, Throwable> countFailure = (value, error) -> {
        if (error != null) {
            loadFailures.increment();
        }
    };

    /**
     * @param loader fetches from the backend that serves the ref; keeps {@link SecretBackend}'s
     *     contract (never blocks, fails through the future)
     * @param ticker the time source for expiry ({@code Ticker.systemTicker()} in production)
     * @param executor runs the cache's maintenance (eviction); never an event loop
     */
    public SecretCache(CacheConfig config, Function<SecretRef, CompletableFuture<SecretValue>> loader,
            Ticker ticker, Executor executor) {
        this.loader = Objects.requireNonNull(loader, "loader");
        // Caffeine's own stats stay off: they would count a cold request twice (getIfPresent,
        // then get), so this class counts for itself.
        this.cache = Caffeine.newBuilder()
                .expireAfterWrite(config.ttl())
                .maximumSize(config.maxEntries())
                .ticker(ticker)
                .executor(executor)
                .buildAsync(this::load);
    }

    /** The secret, from memory while fresh, otherwise from the backend. Never throws. */
    public CompletableFuture<SecretValue> get(SecretRef ref) {
        // getIfPresent allocates nothing; get(key) would allocate a capturing lambda per call.
        CompletableFuture<SecretValue> present = cache.getIfPresent(ref);
        if (present != null) {
            hits.increment();
            return present;
        }
        misses.increment();
        return cache.get(ref);
    }

    public CacheStats stats() {
        return new CacheStats(hits.sum(), misses.sum(), loads.sum(), loadFailures.sum());
    }

    /** Entries held now, loaded or loading; approximate while evictions are pending. */
    public long estimatedSize() {
        return cache.synchronous().estimatedSize();
    }

    /** Drops every entry, so values are not kept in memory longer than needed. */
    public void invalidateAll() {
        cache.synchronous().invalidateAll();
    }

    /**
     * Called by Caffeine once per cold key, however many requests wait for it. A failed future
     * is removed from the cache by Caffeine as soon as it completes.
     */
    private CompletableFuture<SecretValue> load(SecretRef ref, Executor cacheExecutor) {
        loads.increment();
        CompletableFuture<SecretValue> future;
        try {
            future = loader.apply(ref);
        } catch (RuntimeException e) {
            // A loader that breaks the contract and throws must not throw on the caller's thread.
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete(countFailure);
        return future;
    }
}
