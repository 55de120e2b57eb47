package io.mtlsproxy.core.config;

import java.time.Duration;

/**
 * When a backend counts as dead, so that requests stop waiting for it.
 *
 * @param failureThreshold consecutive failures (errors or timeouts) that open the breaker
 * @param openFor how long an open breaker refuses calls before one trial call is let through
 */
public record CircuitBreakerConfig(Integer failureThreshold, Duration openFor) {

    public static CircuitBreakerConfig defaults() {
        return new CircuitBreakerConfig(null, null);
    }
}
