package io.mtlsproxy.core.config;

import java.util.Objects;

/**
 * Keep-alive connections to an upstream. Pools are per event loop (a connection is used by the
 * thread that serves the device), so the bound applies to each loop.
 *
 * @param maxIdlePerTarget idle connections kept per target and event loop; 0 closes each after use; default 16
 */
public record UpstreamPoolConfig(Integer maxIdlePerTarget) {
    public UpstreamPoolConfig {
        maxIdlePerTarget = Objects.requireNonNullElse(maxIdlePerTarget, 16);
    }

    public static UpstreamPoolConfig defaults() {
        return new UpstreamPoolConfig(null);
    }
}
