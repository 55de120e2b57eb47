package io.mtlsproxy.backends;

import static io.mtlsproxy.backends.Futures.failure;
import static io.mtlsproxy.backends.Futures.value;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The cache's semantics on fake time, against backends whose answers the test gives. */
class SecretCacheTest {
    private static final Duration TTL = Duration.ofMinutes(5);
    private static final Duration REFRESH_AHEAD = Duration.ofSeconds(30);
    private static final Duration NEGATIVE_TTL = Duration.ofSeconds(30);
    private static final Duration STALE_IF_ERROR = Duration.ofHours(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration OPEN_FOR = Duration.ofSeconds(30);
    private static final BackendTuning TUNING =
            new BackendTuning(TTL, REFRESH_AHEAD, NEGATIVE_TTL, STALE_IF_ERROR, TIMEOUT, 3, OPEN_FOR);
    private static final CacheKey DB = key("vault", "db-password");

    private final FakeTime time = new FakeTime();
    private final ControllableBackend vault = new ControllableBackend("vault");

    private static CacheKey key(String backend, String name) {
        return new CacheKey(backend, name, null, name);
    }

    private SecretCache cache(int maxEntries, SecretCache.Tuned... backends) {
        // A direct executor runs Caffeine's maintenance inline, so evictions are deterministic.
        return new SecretCache(maxEntries, List.of(backends), time, time, Runnable::run);
    }

    private SecretCache cache() {
        return cache(100, new SecretCache.Tuned(vault, TUNING));
    }

    /** A cache holding db-password = "v1" (version 1), loaded at time 0. */
    private SecretCache loaded() {
        SecretCache cache = cache();
        cache.get(DB);
        vault.answer("v1", "1");
        return cache;
    }

    @Test
    void freshHitIsServedFromMemoryAsTheSameFuture() {
        SecretCache cache = loaded();

        CompletableFuture<CachedSecret> first = cache.get(DB);
        time.advance(TTL.minus(REFRESH_AHEAD).minusNanos(1));
        CompletableFuture<CachedSecret> second = cache.get(DB);

        assertThat(second).isSameAs(first);
        assertThat(value(second)).isEqualTo(new CachedSecret(value(first).value(), false));
        assertThat(value(second).value().value()).isEqualTo("v1");
        assertThat(vault.callCount()).isEqualTo(1);
        CacheStats stats = cache.stats();
        assertThat(stats.hits()).isEqualTo(2);
        assertThat(stats.misses()).isEqualTo(1);
        assertThat(stats.loads()).isEqualTo(1);
    }

    @Test
    void eachBackendHasItsOwnTtl() {
        ControllableBackend files = new ControllableBackend("files");
        BackendTuning shortTtl = new BackendTuning(Duration.ofMinutes(1), Duration.ZERO, NEGATIVE_TTL, Duration.ZERO,
                TIMEOUT, 3, OPEN_FOR);
        SecretCache cache = cache(100, new SecretCache.Tuned(vault, TUNING), new SecretCache.Tuned(files, shortTtl));
        cache.get(DB);
        vault.answer("v1", "1");
        cache.get(key("files", "db-password"));
        files.answer("f1", "1");

        time.advance(Duration.ofMinutes(1));
        cache.get(DB);
        cache.get(key("files", "db-password"));

        assertThat(vault.callCount()).as("5m ttl: still fresh").isEqualTo(1);
        assertThat(files.callCount()).as("1m ttl: expired").isEqualTo(2);
    }

    @Test
    void expiredValueIsLoadedAgain() {
        SecretCache cache = loaded();
        time.advance(TTL);

        CompletableFuture<CachedSecret> reload = cache.get(DB);
        assertThat(reload).isNotDone();
        vault.answer("v2", "2");

        assertThat(value(reload)).satisfies(s -> {
            assertThat(s.value().value()).isEqualTo("v2");
            assertThat(s.stale()).isFalse();
        });
        assertThat(vault.callCount()).isEqualTo(2);
    }

    @Test
    void hotValueIsRefreshedOnceAheadOfExpiryWhileReadersKeepGettingIt() {
        SecretCache cache = loaded();
        time.advance(TTL.minus(REFRESH_AHEAD));

        List<CompletableFuture<CachedSecret>> reads = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            reads.add(cache.get(DB));
        }

        assertThat(reads).allSatisfy(read -> assertThat(value(read).value().value()).isEqualTo("v1"));
        assertThat(vault.callCount()).as("one background reload for 50 readers").isEqualTo(2);
        assertThat(cache.stats().refreshes()).isEqualTo(1);

        vault.answer("v2", "2");
        time.advance(REFRESH_AHEAD); // past the first value's ttl: the refreshed one is fresh

        assertThat(value(cache.get(DB)).value().value()).isEqualTo("v2");
        assertThat(vault.callCount()).isEqualTo(2);
        assertThat(cache.stats().misses()).as("nobody ever waited after the first load").isEqualTo(1);
    }

    @Test
    void failedRefreshKeepsServingTheCurrentValueUntilItsTtl() {
        SecretCache cache = loaded();
        time.advance(TTL.minus(REFRESH_AHEAD));
        cache.get(DB);
        vault.fail();

        CompletableFuture<CachedSecret> read = cache.get(DB);

        assertThat(value(read).value().value()).isEqualTo("v1");
        assertThat(value(read).stale()).isFalse();
        assertThat(vault.callCount()).as("the next read in the window tries again").isEqualTo(3);
    }

    @Test
    void refreshThatFindsTheSecretDeletedStopsServingIt() {
        SecretCache cache = loaded();
        time.advance(TTL.minus(REFRESH_AHEAD));
        cache.get(DB);
        vault.notFound();

        assertThat(failure(cache.get(DB))).isInstanceOf(SecretNotFoundException.class);
        assertThat(cache.stats().negativeHits()).isEqualTo(1);
    }

    @Test
    void notFoundIsRememberedForTheNegativeTtl() {
        SecretCache cache = cache();
        CompletableFuture<CachedSecret> first = cache.get(DB);
        vault.notFound();

        assertThat(failure(first)).isInstanceOf(SecretNotFoundException.class);
        time.advance(NEGATIVE_TTL.minusNanos(1));
        assertThat(failure(cache.get(DB))).isInstanceOf(SecretNotFoundException.class);
        assertThat(vault.callCount()).isEqualTo(1);
        assertThat(cache.stats().negativeHits()).isEqualTo(1);

        time.advance(Duration.ofNanos(1));
        CompletableFuture<CachedSecret> afterwards = cache.get(DB);
        assertThat(vault.callCount()).as("forgotten after negativeTtl").isEqualTo(2);
        vault.answer("created", "1");
        assertThat(value(afterwards).value().value()).isEqualTo("created");
    }

    @Test
    void negativeCachingCanBeTurnedOff() {
        SecretCache cache = cache(100, new SecretCache.Tuned(vault,
                new BackendTuning(TTL, REFRESH_AHEAD, Duration.ZERO, STALE_IF_ERROR, TIMEOUT, 3, OPEN_FOR)));
        cache.get(DB);
        vault.notFound();
        cache.get(DB);

        assertThat(vault.callCount()).isEqualTo(2);
    }

    @Test
    void otherFailuresAreNeverCached() {
        SecretCache cache = cache();
        CompletableFuture<CachedSecret> first = cache.get(DB);
        vault.fail();
        CompletableFuture<CachedSecret> second = cache.get(DB);
        vault.answer("recovered", "1");

        assertThat(failure(first)).isInstanceOf(SecretUnavailableException.class);
        assertThat(value(second).value().value()).isEqualTo("recovered");
        assertThat(vault.callCount()).isEqualTo(2);
        assertThat(cache.stats().loadFailures()).isEqualTo(1);
    }

    @Test
    void backendThatThrowsFailsTheFutureInsteadOfThrowing() {
        SecretBackend broken = new SecretBackend() {
            @Override
            public String name() {
                return "vault";
            }

            @Override
            public String type() {
                return "test";
            }

            @Override
            public CompletableFuture<SecretValue> fetch(SecretRef ref) {
                throw new IllegalStateException("broken backend");
            }
        };
        SecretCache cache = cache(100, new SecretCache.Tuned(broken, TUNING));

        assertThat(failure(cache.get(DB))).isInstanceOf(IllegalStateException.class);
        assertThat(failure(cache.get(DB))).as("not cached").isInstanceOf(IllegalStateException.class);
    }

    @Test
    void lastGoodValueIsServedStaleWhileTheBackendFailsWithinTheGrace() {
        SecretCache cache = loaded();
        time.advance(TTL.plus(STALE_IF_ERROR).minusSeconds(1));

        CompletableFuture<CachedSecret> read = cache.get(DB);
        vault.fail();

        assertThat(value(read).stale()).isTrue();
        assertThat(value(read).value().value()).isEqualTo("v1");
        assertThat(cache.stats().staleServes()).isEqualTo(1);
    }

    @Test
    void afterTheGraceTheFailureIsTheAnswer() {
        SecretCache cache = loaded();
        time.advance(TTL.plus(STALE_IF_ERROR));

        CompletableFuture<CachedSecret> read = cache.get(DB);
        vault.fail();

        assertThat(failure(read)).isInstanceOf(SecretUnavailableException.class);
        assertThat(cache.stats().staleServes()).isZero();
    }

    @Test
    void notFoundAfterExpiryIsNotHiddenByAStaleValue() {
        SecretCache cache = loaded();
        time.advance(TTL);

        CompletableFuture<CachedSecret> read = cache.get(DB);
        vault.notFound();

        assertThat(failure(read)).isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void backendThatDoesNotAnswerTimesOut() {
        SecretCache cache = cache();
        CompletableFuture<CachedSecret> read = cache.get(DB);

        time.advance(TIMEOUT.minusNanos(1));
        assertThat(read).isNotDone();
        time.advance(Duration.ofNanos(1));

        assertThat(failure(read)).isInstanceOf(SecretTimeoutException.class).hasMessageContaining("5000 ms");
        assertThat(vault.call(0).future()).as("the backend's own future is left alone").isNotDone();
        assertThat(cache.stats().timeouts()).isEqualTo(1);
        CompletableFuture<CachedSecret> retry = cache.get(DB);
        assertThat(vault.callCount()).as("a timeout is not cached").isEqualTo(2);
        vault.answer("late", "1");
        assertThat(value(retry).value().value()).isEqualTo("late");
        assertThat(time.pending()).as("the answered call's timer is cancelled").isZero();
    }

    @Test
    void timeoutOfAReloadServesTheStaleValue() {
        SecretCache cache = loaded();
        time.advance(TTL);

        CompletableFuture<CachedSecret> read = cache.get(DB);
        time.advance(TIMEOUT);

        assertThat(value(read).stale()).isTrue();
    }

    @Test
    void breakerOpensAfterConsecutiveFailuresAndThenCostsNoBackendCall() {
        SecretCache cache = cache();
        for (int i = 0; i < 3; i++) {
            cache.get(key("vault", "s" + i));
            vault.fail();
        }
        assertThat(cache.breakerState("vault")).isEqualTo(CircuitBreaker.State.OPEN);

        time.advance(Duration.ofSeconds(10));
        Throwable refused = failure(cache.get(DB));

        assertThat(vault.callCount()).isEqualTo(3);
        assertThat(refused).isInstanceOf(CircuitOpenException.class);
        assertThat(((SecretUnavailableException) refused).retryAfter()).hasValue(Duration.ofSeconds(20));
        assertThat(cache.stats().breakerRejections()).isEqualTo(1);
    }

    @Test
    void successBetweenFailuresKeepsTheBreakerClosed() {
        SecretCache cache = cache();
        for (int i = 0; i < 6; i++) {
            cache.get(key("vault", "s" + i));
            if (i % 2 == 0) {
                vault.fail();
            } else {
                vault.notFound(); // an answer: the backend is healthy
            }
        }

        assertThat(cache.breakerState("vault")).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void staleValuesAreStillServedWhileTheBreakerIsOpen() {
        SecretCache cache = loaded();
        time.advance(TTL);
        for (int i = 0; i < 3; i++) {
            cache.get(key("vault", "s" + i));
            vault.fail();
        }

        CompletableFuture<CachedSecret> read = cache.get(DB);

        assertThat(value(read).stale()).as("answered at once, without a backend call").isTrue();
        assertThat(vault.callCount()).isEqualTo(4);
    }

    @Test
    void halfOpenTrialThatSucceedsClosesTheBreaker() {
        SecretCache cache = openBreaker();
        time.advance(OPEN_FOR);

        CompletableFuture<CachedSecret> trial = cache.get(DB);
        assertThat(vault.callCount()).isEqualTo(4);
        assertThat(cache.breakerState("vault")).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(failure(cache.get(key("vault", "other")))).as("one trial at a time")
                .isInstanceOf(CircuitOpenException.class);
        vault.answer("back", "1");

        assertThat(value(trial).value().value()).isEqualTo("back");
        assertThat(cache.breakerState("vault")).isEqualTo(CircuitBreaker.State.CLOSED);
        cache.get(key("vault", "other"));
        assertThat(vault.callCount()).isEqualTo(5);
    }

    @Test
    void halfOpenTrialThatFailsOpensTheBreakerAgain() {
        SecretCache cache = openBreaker();
        time.advance(OPEN_FOR);

        cache.get(DB);
        vault.fail();

        assertThat(cache.breakerState("vault")).isEqualTo(CircuitBreaker.State.OPEN);
        time.advance(OPEN_FOR.minusSeconds(1));
        assertThat(failure(cache.get(DB))).isInstanceOf(CircuitOpenException.class);
        assertThat(vault.callCount()).isEqualTo(4);
    }

    private SecretCache openBreaker() {
        SecretCache cache = cache();
        for (int i = 0; i < 3; i++) {
            cache.get(key("vault", "s" + i));
            vault.fail();
        }
        assertThat(cache.breakerState("vault")).isEqualTo(CircuitBreaker.State.OPEN);
        return cache;
    }

    @Test
    void timeoutsCountAsFailuresForTheBreaker() {
        SecretCache cache = cache();
        for (int i = 0; i < 3; i++) {
            cache.get(key("vault", "s" + i));
            time.advance(TIMEOUT);
        }

        assertThat(cache.breakerState("vault")).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void keysOfDifferentBackendsNeverCollide() {
        ControllableBackend files = new ControllableBackend("files");
        SecretCache cache = cache(100, new SecretCache.Tuned(vault, TUNING), new SecretCache.Tuned(files, TUNING));

        CompletableFuture<CachedSecret> fromVault = cache.get(DB);
        vault.answer("vault-value", "1");
        CompletableFuture<CachedSecret> fromFiles = cache.get(key("files", "db-password"));
        files.answer("file-value", "1");

        assertThat(value(fromVault).value().value()).isEqualTo("vault-value");
        assertThat(value(fromFiles).value().value()).isEqualTo("file-value");
        assertThat(value(cache.get(DB)).value().value()).isEqualTo("vault-value");
    }

    @Test
    void versionsAreCachedApartFromTheLatest() {
        SecretCache cache = loaded();
        CompletableFuture<CachedSecret> old = cache.get(new CacheKey("vault", "db-password", "0", "db-password"));

        assertThat(vault.lastCall().ref()).isEqualTo(new SecretRef("db-password", "0"));
        vault.answer("v0", "0");
        assertThat(value(old).value().value()).isEqualTo("v0");
        assertThat(value(cache.get(DB)).value().value()).isEqualTo("v1");
    }

    @Test
    void answerCarriesTheNameAskedForWhenTheBackendKnowsItByAnother() {
        SecretCache cache = cache();
        CompletableFuture<CachedSecret> read = cache.get(new CacheKey("vault", "kv-wifi", null, "wifi"));

        assertThat(vault.lastCall().ref().name()).isEqualTo("wifi");
        vault.answer("psk", "1");
        assertThat(value(read).value().name()).isEqualTo("kv-wifi");
    }

    @Test
    void holdsAtMostMaxEntries() {
        SecretCache cache = cache(3, new SecretCache.Tuned(vault, TUNING));
        for (int i = 0; i < 10; i++) {
            cache.get(key("vault", "name-" + i));
            vault.answer("v", "1");
        }

        assertThat(cache.estimatedSize()).isLessThanOrEqualTo(3);
    }

    @Test
    void closeDropsEveryValueAndKeepsNoneLoadedAfterwards() {
        SecretCache cache = loaded();
        cache.get(key("vault", "pending"));

        cache.close();
        vault.answer("late", "1");

        assertThat(cache.estimatedSize()).isZero();
    }

    @Test
    void concurrentRequestsForAColdNameShareOneBackendCall() throws Exception {
        SecretCache cache = cache();
        int requests = 200;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<CompletableFuture<CachedSecret>>> submitted = new ArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(16);
        List<CompletableFuture<CachedSecret>> results = new ArrayList<>();
        try {
            for (int i = 0; i < requests; i++) {
                submitted.add(callers.submit(() -> {
                    start.await();
                    return cache.get(DB);
                }));
            }
            start.countDown();
            for (Future<CompletableFuture<CachedSecret>> call : submitted) {
                results.add(call.get(10, TimeUnit.SECONDS));
            }
        } finally {
            callers.shutdownNow();
        }

        assertThat(vault.callCount()).isEqualTo(1);
        assertThat(results).hasSize(requests).noneMatch(CompletableFuture::isDone);

        vault.answer("s3cr3t", "1");

        assertThat(results).allSatisfy(result -> assertThat(value(result).value().value()).isEqualTo("s3cr3t"));
        CacheStats stats = cache.stats();
        assertThat(stats.loads()).isEqualTo(1);
        assertThat(stats.hits() + stats.misses()).isEqualTo(requests);
    }
}
