package io.mtlsproxy.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the gateway waits on an upstream.
 *
 * @param connect to open a connection (TCP and TLS); past it the attempt failed (retried when allowed); default 5s
 * @param responseHeader from the request's last byte sent to the response's head; past it 504; default 30s
 * @param idle a connection that carries nothing for this long is closed: pooled, or mid-exchange
 *     (504 before a response head, the downstream connection closed after one); default 60s
 */
public record UpstreamTimeoutsConfig(Duration connect, Duration responseHeader, Duration idle) {
    public UpstreamTimeoutsConfig {
        connect = Objects.requireNonNullElse(connect, Duration.ofSeconds(5));
        responseHeader = Objects.requireNonNullElse(responseHeader, Duration.ofSeconds(30));
        idle = Objects.requireNonNullElse(idle, Duration.ofSeconds(60));
    }

    public static UpstreamTimeoutsConfig defaults() {
        return new UpstreamTimeoutsConfig(null, null, null);
    }
}
