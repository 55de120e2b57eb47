package io.mtlsproxy.backends;

import java.time.Instant;

/** The secret's expiry ({@code exp}) has passed: a 410. */
public final class SecretExpiredException extends SecretInactiveException {
    private final Instant expiredAt;

    public SecretExpiredException(String secretName, String backend, Instant expiredAt) {
        super(secretName, backend, "expired since " + expiredAt);
        this.expiredAt = expiredAt;
    }

    public Instant expiredAt() {
        return expiredAt;
    }
}
