package io.mtlsproxy.backends;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The cache in front of the backends. Per entry, on the backend's own settings
 * ({@link BackendTuning}):
 * <ul>
 *   <li>a value is served from memory for {@code ttl}; read within {@code refreshAhead} of that
 *       end, it is reloaded once in the background while readers keep getting it;
 *   <li>concurrent requests for a name not in memory share one backend call (single-flight);
 *   <li>"not found" is remembered for {@code negativeTtl}; other failures never are;
 *   <li>when a reload fails (error, timeout, open breaker), the last good value is served, marked
 *       stale, until it is {@code ttl + staleIfError} old; after that the failure is the answer.
 * </ul>
 * Every backend call goes through the backend's timeout and circuit breaker
 * ({@link ResilientBackend}). Values live only in this memory; {@link #invalidateAll()} drops them.
 *
 * <p>{@link #get} returns a future shared by every caller that hits the same entry: callers must
 * treat it as read-only (never complete, cancel or {@code orTimeout} it; put a timeout on a
 * {@code copy()}). That is what keeps a fresh hit free of allocation.
 */
public final class SecretCache {
    private final Cache<CacheKey, Entry> entries;
    /** The one load in progress per key, cold or refresh: what concurrent callers share. */
    private final Map<CacheKey, CompletableFuture<Entry>> inFlight = new ConcurrentHashMap<>();
    private final Map<String, ResilientBackend> backends;
    private final Ticker ticker;
    private final CacheCounters counters = new CacheCounters();
    private volatile boolean closed;

    /**
     * @param backends each backend with its settings; keys name one of them
     * @param ticker the time source for every expiry, breaker and timeout
     *     ({@code Ticker.systemTicker()} in production)
     * @param scheduler runs backend timeouts; never an event loop
     * @param executor runs the cache's maintenance (eviction); never an event loop
     */
    public SecretCache(int maxEntries, List<Tuned> backends, Ticker ticker, Scheduler scheduler, Executor executor) {
        this.ticker = ticker;
        Map<String, ResilientBackend> byName = new HashMap<>();
        for (Tuned tuned : backends) {
            byName.put(tuned.backend().name(),
                    new ResilientBackend(tuned.backend(), tuned.tuning(), ticker, scheduler, counters));
        }
        this.backends = Map.copyOf(byName);
        // Caffeine's own stats stay off: this class counts for itself, by outcome.
        this.entries = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfter(new KeepUntil())
                .ticker(ticker)
                // maintenance (draining the read buffers, expiring) runs on the calling thread: it is
                // a few hundred nanoseconds, amortized, and handing it to a pool would wake a pool
                // thread (a futex call on the event loop) thousands of times a second under load
                .executor(Runnable::run)
                .build();
    }

    /** A backend and its settings. */
    public record Tuned(SecretBackend backend, BackendTuning tuning) {}

    /**
     * The secret for {@code key}: from memory while fresh, otherwise from its backend, or stale
     * within the grace period when the backend fails. Never throws.
     */
    CompletableFuture<CachedSecret> get(CacheKey key) {
        Entry entry = entries.getIfPresent(key);
        if (entry != null) {
            long now = ticker.read();
            if (now < entry.refreshAt) {
                counters.hits.increment();
                if (entry.value == null) {
                    counters.negativeHits.increment();
                }
                return entry.answer;
            }
            if (now < entry.expiresAt) {
                counters.hits.increment();
                if (!inFlight.containsKey(key)) {
                    load(key, entry, true);
                }
                return entry.answer;
            }
            counters.misses.increment();
            return load(key, entry, false).handle((next, failure) -> failure == null ? next.answer : staleOr(entry, failure))
                    .thenCompose(Function.identity());
        }
        counters.misses.increment();
        return load(key, null, false).thenCompose(Entry::answer);
    }

    public CacheStats stats() {
        return counters.snapshot();
    }

    /** Entries held now (values and remembered "not found"); approximate while evictions are pending. */
    public long estimatedSize() {
        return entries.estimatedSize();
    }

    /** The breaker of one backend, for tests and diagnostics. */
    CircuitBreaker.State breakerState(String backend) {
        return backends.get(backend).breakerState();
    }

    /** Drops every entry, so values are not kept in memory longer than needed. */
    public void invalidateAll() {
        entries.invalidateAll();
        entries.cleanUp();
    }

    /** Drops every entry for good: values from loads still running are not kept either. */
    public void close() {
        closed = true;
        invalidateAll();
    }

    /**
     * Starts the load of {@code key}, or joins the one already running. {@code previous} is the
     * entry the caller saw (null when none), so a load that finished meanwhile is not repeated.
     */
    private CompletableFuture<Entry> load(CacheKey key, Entry previous, boolean refresh) {
        CompletableFuture<Entry> claim = new CompletableFuture<>();
        CompletableFuture<Entry> running = inFlight.putIfAbsent(key, claim);
        if (running != null) {
            return running;
        }
        // a load that completed between our read and our claim has already put its entry
        Entry current = entries.getIfPresent(key);
        if (current != null && current != previous && ticker.read() < current.expiresAt) {
            inFlight.remove(key, claim);
            claim.complete(current);
            return claim;
        }
        ResilientBackend backend = backends.get(key.backend());
        if (backend == null) {
            inFlight.remove(key, claim);
            claim.completeExceptionally(new IllegalStateException("no backend named '" + key.backend() + "'"));
            return claim;
        }
        counters.loads.increment();
        if (refresh) {
            counters.refreshes.increment();
        }
        backend.fetch(key.ref()).whenComplete((value, failure) -> settle(key, backend.tuning(), previous, claim, value,
                failure));
        return claim;
    }

    private void settle(CacheKey key, BackendTuning tuning, Entry previous, CompletableFuture<Entry> claim,
            SecretValue value, Throwable failure) {
        long now = ticker.read();
        Entry next = null;
        Throwable error = null;
        if (failure == null) {
            next = Entry.found(asAskedFor(value, key), now, tuning);
        } else {
            error = ResilientBackend.unwrap(failure);
            if (error instanceof SecretNotFoundException notFound) {
                if (!tuning.negativeTtl().isZero()) {
                    next = Entry.notFound(notFound, now, tuning);
                } else if (previous != null) {
                    entries.asMap().remove(key, previous); // gone from the store: not served again
                }
            } else {
                counters.loadFailures.increment();
            }
        }
        if (next != null && !closed) {
            entries.put(key, next);
        }
        // after the put: a caller that finds no claim finds the entry
        inFlight.remove(key, claim);
        if (next != null) {
            claim.complete(next);
        } else {
            claim.completeExceptionally(error);
        }
    }

    /** The last good value while it is within its grace period and the failure is a failure, not an answer. */
    private CompletableFuture<CachedSecret> staleOr(Entry old, Throwable failure) {
        Throwable cause = ResilientBackend.unwrap(failure);
        boolean answer = cause instanceof SecretNotFoundException || cause instanceof InvalidSecretNameException;
        if (old.value != null && !answer && ticker.read() < old.staleUntil) {
            counters.staleServes.increment();
            return CompletableFuture.completedFuture(new CachedSecret(old.value, true));
        }
        return CompletableFuture.failedFuture(cause);
    }

    /** A routed name the backend knows by another name (a stripped prefix) is answered under the name asked for. */
    private static SecretValue asAskedFor(SecretValue value, CacheKey key) {
        if (value.name().equals(key.name())) {
            return value;
        }
        return new SecretValue(key.name(), value.value(), value.version(), value.backend(), value.backendType());
    }

    /**
     * One key's state, immutable; replaced whole by each load. Times are ticker nanoseconds.
     * A remembered "not found" has no value and an answer that fails with it.
     */
    private static final class Entry {
        final SecretValue value;
        final CompletableFuture<CachedSecret> answer;
        final long refreshAt;
        final long expiresAt;
        final long staleUntil;

        private Entry(SecretValue value, CompletableFuture<CachedSecret> answer, long refreshAt, long expiresAt,
                long staleUntil) {
            this.value = value;
            this.answer = answer;
            this.refreshAt = refreshAt;
            this.expiresAt = expiresAt;
            this.staleUntil = staleUntil;
        }

        static Entry found(SecretValue value, long now, BackendTuning tuning) {
            long expiresAt = plus(now, tuning.ttl().toNanos());
            return new Entry(value, CompletableFuture.completedFuture(new CachedSecret(value, false)),
                    expiresAt - tuning.refreshAhead().toNanos(), expiresAt,
                    plus(expiresAt, tuning.staleIfError().toNanos()));
        }

        static Entry notFound(SecretNotFoundException notFound, long now, BackendTuning tuning) {
            long expiresAt = plus(now, tuning.negativeTtl().toNanos());
            return new Entry(null, CompletableFuture.failedFuture(notFound), expiresAt, expiresAt, expiresAt);
        }

        CompletableFuture<CachedSecret> answer() {
            return answer;
        }

        private static long plus(long a, long b) {
            long sum = a + b;
            return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
        }
    }

    /** Caffeine keeps an entry as long as it may still be served: to its ttl's end, plus the stale grace. */
    private static final class KeepUntil implements Expiry<CacheKey, Entry> {
        @Override
        public long expireAfterCreate(CacheKey key, Entry entry, long currentTime) {
            return Math.max(0, entry.staleUntil - currentTime);
        }

        @Override
        public long expireAfterUpdate(CacheKey key, Entry entry, long currentTime, long currentDuration) {
            return Math.max(0, entry.staleUntil - currentTime);
        }

        @Override
        public long expireAfterRead(CacheKey key, Entry entry, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
