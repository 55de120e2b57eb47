package io.mtlsproxy.perf.jmh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.pki.IssuedCertificate;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The handshake benchmark's driver and set-up do what the figures claim: every parameter combination
 * sets up (which proves resumption and full handshakes), runs both handshakes, and releases; a device
 * the server does not trust is refused instead of counted as a handshake.
 */
class HandshakeBenchmarkTest {
    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void everyBenchmarkCombinationSetsUpAndRunsBothHandshakes(SslProvider provider) throws Exception {
        for (BenchPki.Keys keys : BenchPki.Keys.values()) {
            for (HandshakeBenchmark.ServerTrust trust : HandshakeBenchmark.ServerTrust.values()) {
                HandshakeBenchmark benchmark = new HandshakeBenchmark();
                benchmark.provider = provider;
                benchmark.keys = keys;
                benchmark.trust = trust;
                benchmark.setUp(); // throws unless the resumed handshakes resumed and the fresh ones did not
                try {
                    InMemoryHandshake.Transcript full = benchmark.fullHandshake();
                    InMemoryHandshake.Transcript resumed = benchmark.resumedHandshake();
                    // no server certificate on resumption (the client's hello grows instead: it carries the ticket)
                    assertThat(resumed.serverBytes()).as("%s %s %s", provider, keys, trust).isLessThan(full.serverBytes());
                } finally {
                    benchmark.tearDown();
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void aDeviceFromAnotherRootIsRefused(SslProvider provider) throws Exception {
        BenchPki devices = BenchPki.create(2, BenchPki.Keys.P256);
        BenchPki gatewayPki = BenchPki.create(2, BenchPki.Keys.P256);
        IssuedCertificate device = devices.device("stranger");
        IssuedCertificate gateway = gatewayPki.server("gateway.mtls-proxy.test");
        SslContext server = SslContextBuilder.forServer(gateway.keyPair().getPrivate(), gateway.presentedChain())
                .sslProvider(provider).clientAuth(ClientAuth.REQUIRE).trustManager(gatewayPki.root()).protocols("TLSv1.3").build();
        SslContext client = SslContextBuilder.forClient().sslProvider(provider)
                .keyManager(device.keyPair().getPrivate(), device.presentedChain())
                .trustManager(gatewayPki.root()).protocols("TLSv1.3").build();
        SSLEngine clientEngine = client.newEngine(ByteBufAllocator.DEFAULT, "gateway.mtls-proxy.test", 8443);
        SSLEngine serverEngine = server.newEngine(ByteBufAllocator.DEFAULT);
        try (InMemoryHandshake handshake = new InMemoryHandshake(ByteBufAllocator.DEFAULT)) {
            assertThatThrownBy(() -> handshake.run(clientEngine, serverEngine)).isInstanceOf(SSLException.class);
        } finally {
            ReferenceCountUtil.release(clientEngine);
            ReferenceCountUtil.release(serverEngine);
            ReferenceCountUtil.release(client);
            ReferenceCountUtil.release(server);
        }
    }
}
