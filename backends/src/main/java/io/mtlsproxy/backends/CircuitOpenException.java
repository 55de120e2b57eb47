package io.mtlsproxy.backends;

import java.time.Duration;

/**
 * The backend's circuit breaker is open: the backend failed too often in a row and is not called
 * until {@link #retryAfter()} has passed. Costs no backend call, and no stack trace.
 */
public final class CircuitOpenException extends SecretUnavailableException {

    public CircuitOpenException(String secretName, String backend, Duration retryAfter) {
        super(secretName, backend, "circuit breaker open after repeated failures", retryAfter, null, false);
    }
}
