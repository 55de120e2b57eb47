package io.mtlsproxy.core.config;

import java.util.Objects;

/**
 * The admin listener: health, readiness, Prometheus metrics and reload, on a port of its own,
 * never on the device listener.
 *
 * @param enabled serve the admin listener (the default)
 * @param bind address to bind; loopback by default, so only the host itself (or a sidecar) reaches it
 * @param port TCP port, 9901 by default; 0 picks a free one
 * @param tls when set, the admin listener speaks TLS and requires a client certificate from
 *     {@code tls.trustAnchors}; plain HTTP otherwise
 * @param certificateTracking how client certificates' expiry is tracked for metrics
 */
public record AdminConfig(Boolean enabled, String bind, Integer port, AdminTlsConfig tls,
        CertificateTrackingConfig certificateTracking) {
    public static final String LOOPBACK = "127.0.0.1";
    public static final int DEFAULT_PORT = 9901;

    public AdminConfig {
        enabled = Objects.requireNonNullElse(enabled, true);
        bind = Objects.requireNonNullElse(bind, LOOPBACK);
        port = Objects.requireNonNullElse(port, DEFAULT_PORT);
        certificateTracking = Objects.requireNonNullElseGet(certificateTracking, CertificateTrackingConfig::defaults);
    }

    public static AdminConfig defaults() {
        return new AdminConfig(null, null, null, null, null);
    }

    /** Off: for embedding and for tests that do not need it. */
    public static AdminConfig disabled() {
        return new AdminConfig(false, null, null, null, null);
    }

    public AdminConfig withPort(int newPort) {
        return new AdminConfig(enabled, bind, newPort, tls, certificateTracking);
    }
}
