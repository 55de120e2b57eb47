package io.mtlsproxy.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Refusing a client that keeps being refused. A refusal is a handshake refused by the certificate
 * policy (counted against the address: the certificate is not trusted, so it names no one), or a
 * request answered 401 or 403 (counted against the address and the identity).
 *
 * @param maxRefusals refusals within {@code window} that start a lockout; 0 (the default) turns lockout off
 * @param window how far back refusals are counted, from the first one
 * @param duration how long a lockout lasts
 * @param byIdentity lock out identities (SHA-256 of the certificate)
 * @param byIp lock out client addresses (off is wise when many devices share one NAT address)
 */
public record LockoutConfig(Integer maxRefusals, Duration window, Duration duration, Boolean byIdentity, Boolean byIp) {

    public LockoutConfig {
        maxRefusals = Objects.requireNonNullElse(maxRefusals, 0);
        window = Objects.requireNonNullElse(window, Duration.ofMinutes(1));
        duration = Objects.requireNonNullElse(duration, Duration.ofMinutes(15));
        byIdentity = Objects.requireNonNullElse(byIdentity, true);
        byIp = Objects.requireNonNullElse(byIp, true);
    }

    public static LockoutConfig defaults() {
        return new LockoutConfig(null, null, null, null, null);
    }

    public boolean enabled() {
        return maxRefusals > 0 && (byIdentity || byIp);
    }
}
