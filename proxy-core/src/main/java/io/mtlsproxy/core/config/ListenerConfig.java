package io.mtlsproxy.core.config;

import java.time.Duration;
import java.util.List;
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
 * @param requestHeadTimeout a request (head, and body if any) must arrive in full within this once its first
 *     byte has; a client trickling its headers is closed (slowloris), whatever the idle timeout
 * @param writeTimeout a response the client does not take off the network within this closes the connection
 * @param allowedClients CIDRs (IPv4, IPv6) that may connect; empty means every address; others are closed
 *     at accept, before TLS
 * @param proxyProtocol {@code off} (the default) or {@code v2}: connections from {@code trustedProxies}
 *     must start with a PROXY protocol v2 header whose source becomes the client address
 * @param trustedProxies CIDRs of the balancers allowed (and then required) to send the PROXY header
 * @param http2 whether ALPN offers {@code h2} beside {@code http/1.1} (on by default); a client that
 *     offers neither, or only http/1.1, gets HTTP/1.1 either way
 * @param maxConcurrentStreams HTTP/2 streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS)
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
        PolicyMode mode,
        Duration requestHeadTimeout,
        Duration writeTimeout,
        List<String> allowedClients,
        ProxyProtocol proxyProtocol,
        List<String> trustedProxies,
        Boolean http2,
        Integer maxConcurrentStreams) {

    public enum TlsProvider { OPENSSL, JDK }

    /** PROXY protocol on the listener; v1 (text) is never accepted. */
    public enum ProxyProtocol {
        OFF, V2;

        /** YAML reads an unquoted {@code off} as false. */
        @com.fasterxml.jackson.annotation.JsonCreator
        public static ProxyProtocol of(Object value) {
            return OffSwitch.parse(ProxyProtocol.class, OFF, value);
        }
    }

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
        requestHeadTimeout = Objects.requireNonNullElse(requestHeadTimeout, Duration.ofSeconds(10));
        writeTimeout = Objects.requireNonNullElse(writeTimeout, Duration.ofSeconds(30));
        allowedClients = allowedClients == null ? List.of() : List.copyOf(allowedClients);
        proxyProtocol = Objects.requireNonNullElse(proxyProtocol, ProxyProtocol.OFF);
        trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
        http2 = Objects.requireNonNullElse(http2, Boolean.TRUE);
        // enough for a device's parallel reads; each open stream holds a handler and its buffers
        maxConcurrentStreams = Objects.requireNonNullElse(maxConcurrentStreams, 100);
    }

    /** The settings before HTTP/2; it takes its defaults (on, 100 streams). */
    public ListenerConfig(String bind, Integer port, TlsProvider tlsProvider, Duration handshakeTimeout,
            Duration idleTimeout, Duration requestTimeout, Integer maxUriLength, Integer maxHeaderSize,
            Integer maxBodySize, Duration shutdownGrace, Integer ioThreads, String policy, PolicyMode mode,
            Duration requestHeadTimeout, Duration writeTimeout, List<String> allowedClients, ProxyProtocol proxyProtocol,
            List<String> trustedProxies) {
        this(bind, port, tlsProvider, handshakeTimeout, idleTimeout, requestTimeout, maxUriLength, maxHeaderSize,
                maxBodySize, shutdownGrace, ioThreads, policy, mode, requestHeadTimeout, writeTimeout, allowedClients,
                proxyProtocol, trustedProxies, null, null);
    }

    /** The settings before the abuse controls; the new ones take their defaults. */
    public ListenerConfig(String bind, Integer port, TlsProvider tlsProvider, Duration handshakeTimeout,
            Duration idleTimeout, Duration requestTimeout, Integer maxUriLength, Integer maxHeaderSize,
            Integer maxBodySize, Duration shutdownGrace, Integer ioThreads, String policy, PolicyMode mode) {
        this(bind, port, tlsProvider, handshakeTimeout, idleTimeout, requestTimeout, maxUriLength, maxHeaderSize,
                maxBodySize, shutdownGrace, ioThreads, policy, mode, null, null, null, null, null, null, null);
    }

    public static ListenerConfig defaults() {
        return new ListenerConfig(null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public ListenerConfig withPort(int newPort) {
        return new ListenerConfig(bind, newPort, tlsProvider, handshakeTimeout, idleTimeout, requestTimeout,
                maxUriLength, maxHeaderSize, maxBodySize, shutdownGrace, ioThreads, policy, mode, requestHeadTimeout,
                writeTimeout, allowedClients, proxyProtocol, trustedProxies, http2, maxConcurrentStreams);
    }

    public ListenerConfig withBind(String newBind) {
        return new ListenerConfig(newBind, port, tlsProvider, handshakeTimeout, idleTimeout, requestTimeout,
                maxUriLength, maxHeaderSize, maxBodySize, shutdownGrace, ioThreads, policy, mode, requestHeadTimeout,
                writeTimeout, allowedClients, proxyProtocol, trustedProxies, http2, maxConcurrentStreams);
    }
}
