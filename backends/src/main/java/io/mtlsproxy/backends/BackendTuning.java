package io.mtlsproxy.backends;

import io.mtlsproxy.core.config.BackendCacheConfig;
import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.CacheConfig;
import io.mtlsproxy.core.config.CircuitBreakerConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * One backend's cache and resilience settings with every default applied: its own
 * {@code cache}, {@code timeout} and {@code circuitBreaker}, falling back to {@code secrets.cache}
 * and to the defaults below.
 *
 * @param ttl how long a value is served from memory without asking the backend
 * @param refreshAhead a value read within this long of its ttl's end is reloaded in the
 *     background; zero for never
 * @param negativeTtl how long "not found" is remembered; zero for never
 * @param staleIfError how long past its ttl the last good value is served while the backend fails
 * @param timeout the longest one backend call may take
 * @param failureThreshold consecutive failures that open the circuit breaker
 * @param openFor how long an open breaker refuses calls before one trial call
 */
public record BackendTuning(Duration ttl, Duration refreshAhead, Duration negativeTtl, Duration staleIfError,
        Duration timeout, int failureThreshold, Duration openFor) {
    /** The default of every kind's {@code timeout}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_FAILURE_THRESHOLD = 5;
    public static final Duration DEFAULT_OPEN_FOR = Duration.ofSeconds(30);

    public BackendTuning {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(refreshAhead, "refreshAhead");
        Objects.requireNonNull(negativeTtl, "negativeTtl");
        Objects.requireNonNull(staleIfError, "staleIfError");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(openFor, "openFor");
        if (ttl.isNegative() || ttl.isZero() || timeout.isNegative() || timeout.isZero() || openFor.isNegative()
                || openFor.isZero()) {
            throw new IllegalArgumentException("ttl, timeout and openFor must be longer than zero");
        }
        if (refreshAhead.isNegative() || refreshAhead.compareTo(ttl) >= 0 || negativeTtl.isNegative()
                || staleIfError.isNegative()) {
            throw new IllegalArgumentException("refreshAhead must be shorter than ttl; no duration may be negative");
        }
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failureThreshold must be at least 1");
        }
    }

    /** The settings of a configured backend. */
    public static BackendTuning of(BackendConfig backend, CacheConfig defaults) {
        return of(backend.cache(), backend.timeout(), backend.circuitBreaker(), defaults);
    }

    /** A backend with no settings of its own: everything from {@code secrets.cache} and the defaults. */
    public static BackendTuning of(CacheConfig defaults) {
        return of(null, null, null, defaults);
    }

    /** @param cache, timeout, breaker this backend's own settings; null (or null fields) for the defaults */
    public static BackendTuning of(BackendCacheConfig cache, Duration timeout, CircuitBreakerConfig breaker,
            CacheConfig defaults) {
        BackendCacheConfig own = Objects.requireNonNullElseGet(cache, BackendCacheConfig::inherit);
        CircuitBreakerConfig ownBreaker = Objects.requireNonNullElseGet(breaker, CircuitBreakerConfig::defaults);
        return new BackendTuning(
                Objects.requireNonNullElse(own.ttl(), defaults.ttl()),
                Objects.requireNonNullElse(own.refreshAhead(), defaults.refreshAhead()),
                Objects.requireNonNullElse(own.negativeTtl(), defaults.negativeTtl()),
                Objects.requireNonNullElse(own.staleIfError(), defaults.staleIfError()),
                Objects.requireNonNullElse(timeout, DEFAULT_TIMEOUT),
                Objects.requireNonNullElse(ownBreaker.failureThreshold(), DEFAULT_FAILURE_THRESHOLD),
                Objects.requireNonNullElse(ownBreaker.openFor(), DEFAULT_OPEN_FOR));
    }
}
