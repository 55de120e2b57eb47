package io.mtlsproxy.policy.entra;

import java.time.Duration;
import java.util.Objects;

/**
 * Graph could not answer: an outage, throttling, a timeout or no token. Never a verdict on the
 * device; never cached.
 */
final class GraphUnavailableException extends RuntimeException {
    enum Kind {
        /** Down, unreachable, slow, unreadable, or no token. */
        OUTAGE,
        /** 429: no further lookup until {@link #retryAfter()} has passed. */
        THROTTLED,
        /** 401: the token was refused; the next lookup gets a new one. */
        TOKEN_REFUSED
    }

    private final Kind kind;
    private final Duration retryAfter;

    GraphUnavailableException(Kind kind, String message, Duration retryAfter, Throwable cause) {
        super(message, cause, false, false);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    GraphUnavailableException(String message, Duration retryAfter) {
        this(Kind.OUTAGE, message, retryAfter, null);
    }

    Kind kind() {
        return kind;
    }

    Duration retryAfter() {
        return retryAfter;
    }
}
