package io.mtlsproxy.backends;

import static io.mtlsproxy.backends.Futures.failure;
import static io.mtlsproxy.backends.Futures.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.config.CacheConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class SecretCacheTest {
    private static final Duration TTL = Duration.ofMinutes(5);
    private static final SecretRef DB = SecretRef.latest("db-password");

    private final FakeTicker ticker = new FakeTicker();
    private final AtomicInteger calls = new AtomicInteger();

    private SecretCache cache(int maxEntries, Function<SecretRef, CompletableFuture<SecretValue>> backend) {
        Function<SecretRef, CompletableFuture<SecretValue>> counted = ref -> {
            calls.incrementAndGet();
            return backend.apply(ref);
        };
        // A direct executor runs Caffeine's maintenance inline, so evictions are deterministic.
        return new SecretCache(new CacheConfig(TTL, maxEntries), counted, ticker, Runnable::run);
    }

    /** A backend whose value for every name is "value-<call number>". */
    private SecretCache cache(int maxEntries) {
        return cache(maxEntries, ref -> CompletableFuture.completedFuture(secret(ref, "value-" + calls.get())));
    }

    private static SecretValue secret(SecretRef ref, String value) {
        return SecretValue.withDerivedVersion(ref.name(), value, "test", "test");
    }

    @Test
    void servesFromMemoryWithinTtl() {
        SecretCache cache = cache(100);

        CompletableFuture<SecretValue> first = cache.get(DB);
        ticker.advance(TTL.minusNanos(1));
        CompletableFuture<SecretValue> second = cache.get(DB);

        assertThat(calls).hasValue(1);
        assertThat(second).isSameAs(first);
        assertThat(value(second).value()).isEqualTo("value-1");
        assertThat(cache.stats()).isEqualTo(new CacheStats(1, 1, 1, 0));
    }

    @Test
    void fetchesAgainOnceTtlHasPassed() {
        SecretCache cache = cache(100);

        cache.get(DB);
        ticker.advance(TTL);

        assertThat(value(cache.get(DB)).value()).isEqualTo("value-2");
        assertThat(calls).hasValue(2);
    }

    @Test
    void holdsAtMostMaxEntries() {
        SecretCache cache = cache(3);

        for (int i = 0; i < 10; i++) {
            cache.get(SecretRef.latest("name-" + i));
        }
        assertThat(cache.estimatedSize()).isLessThanOrEqualTo(3);

        for (int i = 0; i < 10; i++) {
            cache.get(SecretRef.latest("name-" + i));
        }
        assertThat(calls.get()).as("evicted names are fetched again").isGreaterThanOrEqualTo(17);
    }

    @Test
    void failureIsNotCached() {
        SecretCache cache = cache(100, ref -> calls.get() == 1
                ? CompletableFuture.failedFuture(new SecretUnavailableException(ref.name(), "test", "down", null, null))
                : CompletableFuture.completedFuture(secret(ref, "recovered")));

        assertThat(failure(cache.get(DB))).isInstanceOf(SecretUnavailableException.class);
        assertThat(value(cache.get(DB)).value()).isEqualTo("recovered");
        assertThat(calls).hasValue(2);
        assertThat(cache.stats().loadFailures()).isEqualTo(1);
    }

    @Test
    void failureArrivingLaterIsNotCachedEither() {
        List<CompletableFuture<SecretValue>> pending = new ArrayList<>();
        SecretCache cache = cache(100, ref -> {
            CompletableFuture<SecretValue> future = new CompletableFuture<>();
            pending.add(future);
            return future;
        });

        CompletableFuture<SecretValue> first = cache.get(DB);
        pending.get(0).completeExceptionally(new SecretNotFoundException(DB.name(), "test"));
        cache.get(DB);

        assertThat(failure(first)).isInstanceOf(SecretNotFoundException.class);
        assertThat(calls).hasValue(2);
    }

    @Test
    void loaderThatThrowsFailsTheFutureInsteadOfThrowing() {
        SecretCache cache = cache(100, ref -> {
            throw new IllegalStateException("broken backend");
        });

        assertThat(failure(cache.get(DB))).isInstanceOf(IllegalStateException.class);
        assertThat(failure(cache.get(DB))).isInstanceOf(IllegalStateException.class);
        assertThat(calls).as("the throw was not cached").hasValue(2);
    }

    @Test
    void concurrentRequestsForAColdNameShareOneBackendCall() throws Exception {
        CompletableFuture<SecretValue> backendCall = new CompletableFuture<>();
        SecretCache cache = cache(100, ref -> backendCall);
        int requests = 200;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<CompletableFuture<SecretValue>>> submitted = new ArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(16);
        List<CompletableFuture<SecretValue>> results = new ArrayList<>();
        try {
            for (int i = 0; i < requests; i++) {
                submitted.add(callers.submit(() -> {
                    start.await();
                    return cache.get(DB);
                }));
            }
            start.countDown();
            for (Future<CompletableFuture<SecretValue>> call : submitted) {
                results.add(call.get(10, TimeUnit.SECONDS));
            }
        } finally {
            callers.shutdownNow();
        }

        assertThat(calls).hasValue(1);
        assertThat(results).hasSize(requests).noneMatch(CompletableFuture::isDone);

        backendCall.complete(secret(DB, "s3cr3t"));

        assertThat(results).allSatisfy(result -> assertThat(value(result).value()).isEqualTo("s3cr3t"));
        CacheStats stats = cache.stats();
        assertThat(stats.loads()).isEqualTo(1);
        assertThat(stats.hits() + stats.misses()).isEqualTo(requests);
    }
}
