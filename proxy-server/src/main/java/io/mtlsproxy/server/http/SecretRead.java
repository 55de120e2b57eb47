package io.mtlsproxy.server.http;

import io.mtlsproxy.backends.SecretValue;
import io.mtlsproxy.core.error.ErrorCode;
import java.time.Duration;

/**
 * The result of one secret read: the secret and the rule that granted it, or the refusal.
 *
 * @param secret the secret, or null when refused
 * @param error the refusal, or null when granted
 * @param reason the granting rule's name, or the refusal's internal reason (for audit, not clients)
 * @param retryAfter how long the client should wait before retrying a 503, or null
 * @param stale whether the secret is the last good value of a backend that is failing now
 */
record SecretRead(SecretValue secret, ErrorCode error, String reason, Duration retryAfter, boolean stale) {

    static SecretRead granted(SecretValue secret, String rule, boolean stale) {
        return new SecretRead(secret, null, rule, null, stale);
    }

    static SecretRead refused(ErrorCode error, String reason) {
        return new SecretRead(null, error, reason, null, false);
    }

    static SecretRead unavailable(ErrorCode error, String reason, Duration retryAfter) {
        return new SecretRead(null, error, reason, retryAfter, false);
    }

    boolean isGranted() {
        return error == null;
    }

    int status() {
        return error == null ? 200 : error.status();
    }
}
