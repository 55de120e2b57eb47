package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.backends.SecretBackends;
import io.mtlsproxy.core.audit.AuditSink;
import io.mtlsproxy.core.config.AdminConfig;
import io.mtlsproxy.core.config.ConfigLoader;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.core.config.LimitsConfig;
import io.mtlsproxy.server.admin.Operations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.server.http.ActiveRequests;
import io.mtlsproxy.server.limits.AbuseControls;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device pipeline's handlers and their order, per kind of connection: admitted, refused at
 * accept (nothing built, no TLS), and behind a trusted balancer (PROXY handlers first, the rest
 * once the header has given the address).
 */
class PipelineOrderTest {
    private static final List<String> ADMITTED = List.of("write-timeout", "idle", "tls", "handshake-metrics", "protocol", "identity",
            "request-start", "http", "request-head-timeout", "expect-continue", "api");
    /** With listener.http2 off there is no protocol to choose: HTTP/1.1's pipeline as it was before HTTP/2. */
    private static final List<String> HTTP1_ONLY = ADMITTED.stream().filter(name -> !name.equals("protocol")).toList();

    private final TestPki pki = new TestPki();
    private Generation generation;

    @TempDir
    Path dir;

    /** An EmbeddedChannel that says it comes from a real IP address. */
    private static EmbeddedChannel from(String address, DeviceChannelInitializer initializer) throws Exception {
        InetSocketAddress remote = new InetSocketAddress(address, 40000);
        EmbeddedChannel channel = new EmbeddedChannel(io.netty.channel.DefaultChannelId.newInstance(), false, false) {
            @Override
            protected SocketAddress remoteAddress0() {
                return remote;
            }
        };
        channel.pipeline().addLast(initializer);
        channel.register();
        return channel;
    }

    /**
     * @param listener the address checks and PROXY settings under test; the connection's TLS and
     *     HTTP handlers come from a real configuration generation
     */
    private DeviceChannelInitializer initializer(ListenerConfig listener) throws Exception {
        return initializer(listener, "");
    }

    /** @param listenerSettings more of the generation's listener section, e.g. {@code ", http2: false"} */
    private DeviceChannelInitializer initializer(ListenerConfig listener, String listenerSettings) throws Exception {
        pki.writeServerFiles(dir);
        Path file = Files.writeString(dir.resolve("config.yaml"), """
                listener: {tlsProvider: jdk%s}
                tls: {certificate: server.pem, privateKey: server.key, trustAnchors: [ca.pem]}
                """.formatted(listenerSettings));
        GatewayConfig config = new ConfigLoader(Map.of()).load(file);
        HandshakeFailureLog failures = new HandshakeFailureLog();
        Generation.Parts parts = new Generation.Parts(AuditSink.NONE, Clock.systemUTC(), failures,
                CertificateChecks.EntraCheckFactory.FROM_CONFIG,
                secrets -> SecretBackends.fromConfig(secrets, Map.of(), Runnable::run, Ticker.systemTicker()),
                ListenerConfig.TlsProvider.JDK, Runnable::run);
        generation = Generation.build(1, config, null, parts);
        AbuseControls abuse = AbuseControls.fromConfig(LimitsConfig.defaults(), listener, Ticker.systemTicker());
        return new DeviceChannelInitializer(new AtomicReference<>(generation), listener, failures, new ActiveRequests(),
                new DefaultChannelGroup(GlobalEventExecutor.INSTANCE), Operations.create(AdminConfig.defaults(),
                        Clock.systemUTC()).metrics(), abuse);
    }

    @AfterEach
    void closeGeneration() {
        if (generation != null) {
            generation.close();
        }
    }

    private static ListenerConfig listener(List<String> allowed, ListenerConfig.ProxyProtocol proxy, List<String> trusted) {
        ListenerConfig d = ListenerConfig.defaults();
        return new ListenerConfig(d.bind(), d.port(), d.tlsProvider(), d.handshakeTimeout(), d.idleTimeout(), d.requestTimeout(),
                d.maxUriLength(), d.maxHeaderSize(), d.maxBodySize(), d.shutdownGrace(), d.ioThreads(), null, null,
                Duration.ofSeconds(10), Duration.ofSeconds(30), allowed, proxy, trusted);
    }

    private static List<String> names(EmbeddedChannel channel) {
        return channel.pipeline().names().stream().filter(name -> !name.startsWith("DefaultChannelPipeline$")).toList();
    }

    @Test
    void admittedConnectionGetsTheHandlersInDataFlowOrder() throws Exception {
        EmbeddedChannel channel = from("10.0.0.5", initializer(listener(List.of(), null, List.of())));
        assertThat(names(channel)).containsExactlyElementsOf(ADMITTED);
        channel.finishAndReleaseAll();
    }

    @Test
    void withoutHttp2TheConnectionGetsTheHttp1HandlersOnly() throws Exception {
        EmbeddedChannel channel = from("10.0.0.5", initializer(listener(List.of(), null, List.of()), ", http2: false"));
        assertThat(names(channel)).containsExactlyElementsOf(HTTP1_ONLY);
        channel.finishAndReleaseAll();
    }

    @Test
    void refusedConnectionIsClosedWithNothingBuilt() throws Exception {
        EmbeddedChannel channel = from("10.0.0.5", initializer(listener(List.of("192.0.2.0/24"), null, List.of())));
        assertThat(channel.isOpen()).isFalse();
        assertThat(names(channel)).isEmpty();
    }

    @Test
    void trustedBalancersConnectionWaitsForTheHeaderBeforeAdmissionAndTls() throws Exception {
        ListenerConfig listener = listener(List.of(), ListenerConfig.ProxyProtocol.V2, List.of("10.0.0.0/24"));
        EmbeddedChannel channel = from("10.0.0.5", initializer(listener));
        assertThat(names(channel)).containsExactly("proxy-protocol", "proxy-source");

        channel.writeInbound(Unpooled.wrappedBuffer(ProxyProtocolTest.v2Header(1, "203.0.113.7", 5000, "192.0.2.1", 8443)));
        assertThat(names(channel)).containsExactlyElementsOf(ADMITTED);
        assertThat(HandshakeFailureLog.address(channel)).isEqualTo("203.0.113.7:5000");
        channel.finishAndReleaseAll();
    }

    @Test
    void otherConnectionsWithProxyProtocolOnShowTheirFirstBytesBeforeTls() throws Exception {
        ListenerConfig listener = listener(List.of(), ListenerConfig.ProxyProtocol.V2, List.of("10.0.0.0/24"));
        EmbeddedChannel channel = from("192.0.2.9", initializer(listener));
        assertThat(names(channel)).containsExactly("proxy-refusal");

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16, 0x03, 0x01})); // the start of a TLS record
        assertThat(names(channel)).containsExactlyElementsOf(ADMITTED);
        channel.finishAndReleaseAll();
    }
}
