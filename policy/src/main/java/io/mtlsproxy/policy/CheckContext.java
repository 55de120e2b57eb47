package io.mtlsproxy.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What a check may know besides the identity: one instant for the whole evaluation, so every
 * check judges time alike, and the tolerated clock difference with the devices.
 *
 * @param now the moment the certificate is judged at
 * @param clockSkew how far notBefore / notAfter may be missed (devices' clocks drift)
 */
public record CheckContext(Instant now, Duration clockSkew) {
    public CheckContext {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(clockSkew, "clockSkew");
        if (clockSkew.isNegative()) {
            throw new IllegalArgumentException("clockSkew must not be negative");
        }
    }
}
