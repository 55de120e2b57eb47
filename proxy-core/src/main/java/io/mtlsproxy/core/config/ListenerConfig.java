package io.mtlsproxy.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The device listener.
 *
 * @param bind address to bind, 0.0.0.0 by default
 * @param port TCP port, 8443 by default
 * @param tlsProvider {@code openssl} (BoringSSL, the default) or {@code jdk}, an explicit opt-in:
 *     without it the gateway refuses to start when BoringSSL cannot load
 * @param handshakeTimeout a TLS handshake not done by then is closed
 * @param idleTimeout a connection that sends nothing for this long is closed (while a request waits for its
 *     secret it is not idle)
 * @param requestTimeout the longest a request may wait for its secret before 503
 * @param maxUriLength longer request lines get 414
 * @param maxHeaderSize larger header blocks get 431
 * @param maxBodySize larger request bodies get 413 (the API reads no bodies; the origin route ignores them)
 * @param shutdownGrace on SIGTERM, in-flight requests get this long to finish
 * @param ioThreads event-loop threads; 0 means one per core
 * @param policy the named policy (from {@code policies}) devices must pass on top of the baseline
 *     {@code policy} section; none means the baseline alone
 * @param mode {@code enforce} (the default) or {@code audit} (violations logged and counted, requests pass)
 */
public record ListenerConfig(
        String bind,
        Integer port,
        TlsProvider tlsProvider,
        Duration handshakeTimeout,
        Duration idleTimeout,
        Duration requestTimeout,
        Integer maxUriLength,
        Integer maxHeaderSize,
        Integer maxBodySize,
        Duration shutdownGrace,
        Integer ioThreads,
        String policy,
        PolicyMode mode) {

    public enum TlsProvider { OPENSSL, JDK }

    public ListenerConfig {
        bind = Objects.requireNonNullElse(bind, "0.0.0.0");
        port = Objects.requireNonNullElse(port, 8443);
        tlsProvider = Objects.requireNonNullElse(tlsProvider, TlsProvider.OPENSSL);
        handshakeTimeout = Objects.requireNonNullElse(handshakeTimeout, Duration.ofSeconds(10));
        idleTimeout = Objects.requireNonNullElse(idleTimeout, Duration.ofSeconds(120));
        requestTimeout = Objects.requireNonNullElse(requestTimeout, Duration.ofSeconds(15));
        maxUriLength = Objects.requireNonNullElse(maxUriLength, 4096);
        maxHeaderSize = Objects.requireNonNullElse(maxHeaderSize, 8192);
        maxBodySize = Objects.requireNonNullElse(maxBodySize, 65536);
        shutdownGrace = Objects.requireNonNullElse(shutdownGrace, Duration.ofSeconds(20));
        ioThreads = Objects.requireNonNullElse(ioThreads, 0);
        mode = Objects.requireNonNullElse(mode, PolicyMode.ENFORCE);
    }

    public static ListenerConfig defaults() {
        return new ListenerConfig(null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public ListenerConfig withPort(int newPort) {
        return new ListenerConfig(bind, newPort, tlsProvider, handshakeTimeout, idleTimeout, requestTimeout,
                maxUriLength, maxHeaderSize, maxBodySize, shutdownGrace, ioThreads, policy, mode);
    }

    public ListenerConfig withBind(String newBind) {
        return new ListenerConfig(newBind, port, tlsProvider, handshakeTimeout, idleTimeout, requestTimeout,
                maxUriLength, maxHeaderSize, maxBodySize, shutdownGrace, ioThreads, policy, mode);
    }
}
