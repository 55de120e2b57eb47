package io.mtlsproxy.backends;

import java.time.Duration;
import java.util.Optional;

/**
 * The backend could not answer now: down, timed out, throttled, overloaded, or the secret is
 * unreadable (a 503). Worth retrying, after {@link #retryAfter()} when the backend said so.
 */
public class SecretUnavailableException extends SecretBackendException {
    private final String secretName;
    private final String backend;
    private final Duration retryAfter;

    /**
     * @param reason why, for operators; never a value or a response body
     * @param retryAfter how long the backend asked callers to wait, or null
     * @param cause the transport or file-system error, or null; never one that holds a value
     */
    public SecretUnavailableException(String secretName, String backend, String reason, Duration retryAfter,
            Throwable cause) {
        this(secretName, backend, reason, retryAfter, cause, true);
    }

    /** For outcomes the cache produces itself (timeouts, an open breaker), where a trace says nothing. */
    protected SecretUnavailableException(String secretName, String backend, String reason, Duration retryAfter,
            Throwable cause, boolean writableStackTrace) {
        super("backend '" + backend + "' cannot serve secret '" + secretName + "': " + reason, cause,
                writableStackTrace);
        this.secretName = secretName;
        this.backend = backend;
        this.retryAfter = retryAfter;
    }

    public String secretName() {
        return secretName;
    }

    public String backend() {
        return backend;
    }

    /** How long the backend asked callers to wait (a Retry-After), when it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
