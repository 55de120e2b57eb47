package io.mtlsproxy.core.config;

import java.util.Objects;

/**
 * Abuse controls of the device listener. Everything is off by default except the bound on
 * tracked clients; timeouts, the address allowlist and PROXY protocol are listener settings.
 *
 * @param perIdentity requests per device (SHA-256 of its certificate); over it: 429 {@code rate_limited}
 * @param perIp requests per client address; over it: 429 {@code rate_limited}
 * @param handshakesPerIp new connections per client address, checked before TLS; over it the connection is closed
 * @param maxConnections open connections in total; 0 means no limit
 * @param maxConnectionsPerIp open connections per client address; 0 means no limit
 * @param lockout refusing clients that keep being refused
 * @param maxTrackedClients addresses and identities whose buckets and refusals are remembered, each (memory bound)
 */
public record LimitsConfig(
        RateLimitConfig perIdentity,
        RateLimitConfig perIp,
        RateLimitConfig handshakesPerIp,
        Integer maxConnections,
        Integer maxConnectionsPerIp,
        LockoutConfig lockout,
        Integer maxTrackedClients) {

    public LimitsConfig {
        perIdentity = Objects.requireNonNullElseGet(perIdentity, RateLimitConfig::off);
        perIp = Objects.requireNonNullElseGet(perIp, RateLimitConfig::off);
        handshakesPerIp = Objects.requireNonNullElseGet(handshakesPerIp, RateLimitConfig::off);
        maxConnections = Objects.requireNonNullElse(maxConnections, 0);
        maxConnectionsPerIp = Objects.requireNonNullElse(maxConnectionsPerIp, 0);
        lockout = Objects.requireNonNullElseGet(lockout, LockoutConfig::defaults);
        maxTrackedClients = Objects.requireNonNullElse(maxTrackedClients, 100_000);
    }

    public static LimitsConfig defaults() {
        return new LimitsConfig(null, null, null, null, null, null, null);
    }
}
