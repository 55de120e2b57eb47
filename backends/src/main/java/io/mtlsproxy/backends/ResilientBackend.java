package io.mtlsproxy.backends;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * A backend behind its timeout and its circuit breaker: every call the cache makes goes through
 * here. A call that does not answer within {@code timeout} fails with
 * {@link SecretTimeoutException}; while the breaker is open a call fails at once with
 * {@link CircuitOpenException} and never reaches the backend.
 */
final class ResilientBackend {
    /** Timer tasks only complete a future; the callbacks they trigger hop to their own executors. */
    private static final Executor ON_TIMER_THREAD = Runnable::run;

    private final SecretBackend backend;
    private final BackendTuning tuning;
    private final CircuitBreaker breaker;
    private final Scheduler scheduler;
    private final CacheCounters counters;
    private final BiConsumer<SecretValue, Throwable> recordOutcome = this::recordOutcome;

    /**
     * @param scheduler runs the timeouts; never an event loop ({@code Scheduler.systemScheduler()}
     *     in production, a fake one driven by the test's ticker in tests)
     */
    ResilientBackend(SecretBackend backend, BackendTuning tuning, Ticker ticker, Scheduler scheduler,
            CacheCounters counters) {
        this.backend = backend;
        this.tuning = tuning;
        this.breaker = new CircuitBreaker(tuning.failureThreshold(), tuning.openFor(), ticker);
        this.scheduler = scheduler;
        this.counters = counters;
    }

    String name() {
        return backend.name();
    }

    BackendTuning tuning() {
        return tuning;
    }

    CircuitBreaker.State breakerState() {
        return breaker.state();
    }

    /** Never throws; the future always completes, within the timeout. */
    CompletableFuture<SecretValue> fetch(SecretRef ref) {
        long wait = breaker.tryAcquire();
        if (wait > 0) {
            counters.breakerRejections.increment();
            return CompletableFuture.failedFuture(
                    new CircuitOpenException(ref.name(), backend.name(), roundedUp(wait)));
        }
        CompletableFuture<SecretValue> call;
        try {
            call = backend.fetch(ref);
            if (call == null) {
                call = CompletableFuture.failedFuture(
                        new SecretBackendException("backend '" + backend.name() + "' returned no answer"));
            }
        } catch (RuntimeException e) {
            // a backend that breaks its contract and throws must not throw on the caller's thread
            call = CompletableFuture.failedFuture(e);
        }
        if (!call.isDone()) {
            call = bounded(call, ref);
        }
        return call.whenComplete(recordOutcome);
    }

    /** The backend's future is left alone: a copy is what times out. */
    private CompletableFuture<SecretValue> bounded(CompletableFuture<SecretValue> call, SecretRef ref) {
        CompletableFuture<SecretValue> copy = call.copy();
        Future<?> timer = scheduler.schedule(ON_TIMER_THREAD, () -> {
            if (copy.completeExceptionally(new SecretTimeoutException(ref.name(), backend.name(), tuning.timeout()))) {
                counters.timeouts.increment();
            }
        }, tuning.timeout().toNanos(), TimeUnit.NANOSECONDS);
        copy.whenComplete((value, failure) -> timer.cancel(false));
        return copy;
    }

    private void recordOutcome(SecretValue value, Throwable failure) {
        if (failure == null || !isBackendFault(failure)) {
            breaker.onSuccess();
        } else if (!(unwrap(failure) instanceof CircuitOpenException)) {
            breaker.onFailure();
        }
    }

    /**
     * Whether a failure says the backend is unhealthy: unavailable, timed out, or broken in a way
     * nobody planned for. "Not found" and a bad name are answers, and so is content the backend
     * returned but that cannot be served: they say nothing about the backend's health.
     */
    static boolean isBackendFault(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof SecretUnavailableException) {
            return true;
        }
        return !(cause instanceof SecretBackendException);
    }

    static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private static Duration roundedUp(long nanos) {
        return Duration.ofSeconds(Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L));
    }
}
