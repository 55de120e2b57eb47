package io.mtlsproxy.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.ConfigLoader;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.core.config.ListenerConfig.TlsProvider;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.util.ReferenceCounted;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An https route's client TLS context (BoringSSL's, reference-counted) belongs to its pool: released
 * once when the routes close, and released at once when a later route of the same configuration
 * fails to build.
 */
class ProxyRoutesTlsTest {
    private static final String APP = """
            - name: app
              pathPrefix: /app
              upstream: {targets: ["https://127.0.0.1:9443"], tls: {trustedCa: ca.pem}}
            """;
    private static final String PLAIN = """
            - name: plain
              pathPrefix: /plain
              upstream: {targets: ["http://127.0.0.1:9080"]}
            """;

    @TempDir
    Path dir;

    private GatewayConfig config(String routes) throws Exception {
        IssuedCertificate root = CertificateBuilder.ca("CN=Test Root,O=mtls-proxy tests").selfSigned();
        IssuedCertificate server = CertificateBuilder.server("CN=localhost").dns("localhost").ip("127.0.0.1").signedBy(root);
        Files.writeString(dir.resolve("ca.pem"), root.certificatePem());
        Files.writeString(dir.resolve("server.pem"), server.presentedChainPem());
        Files.writeString(dir.resolve("server.key"), server.privateKeyPem());
        Path file = Files.writeString(dir.resolve("config.yaml"), """
                tls: {certificate: server.pem, privateKey: server.key, trustAnchors: [ca.pem]}
                access:
                  rules:
                    - {name: devices, match: {anyAuthenticated: true}, secrets: ["*"], routes: ["*"]}
                secrets:
                  backends: [{type: appsettings, values: {wifi-key: "psk-1"}}]
                proxy:
                  routes:
                """ + routes.indent(4));
        return new ConfigLoader(Map.of()).load(file);
    }

    private static ProxyRoutes build(GatewayConfig config) throws ConfigException {
        return ProxyRoutes.build(config, TlsProvider.OPENSSL, Ticker.systemTicker(), index -> null, Clock.systemUTC(), null);
    }

    private static UpstreamConnections pool(ProxyRoutes routes, String name) {
        return routes.routes().stream().filter(route -> route.name().equals(name)).findFirst().orElseThrow().connections();
    }

    @Test
    void anHttpsRoutesContextIsReleasedOnceWhenTheRoutesClose() throws Exception {
        ProxyRoutes routes = build(config(APP + PLAIN));
        assertThat(pool(routes, "plain").tls()).as("an http route has no TLS").isNull();
        assertThat(pool(routes, "app").tls()).isInstanceOf(ReferenceCountedOpenSslContext.class);
        ReferenceCounted app = (ReferenceCounted) pool(routes, "app").tls();
        assertThat(app.refCnt()).isOne();

        routes.close();
        assertThat(app.refCnt()).isZero();
        routes.close(); // a second close releases nothing twice (that would throw)
        assertThat(app.refCnt()).isZero();
    }

    @Test
    void aRouteThatCannotBeBuiltReleasesTheContextsOfTheRoutesBuiltBeforeIt() throws Exception {
        Files.writeString(dir.resolve("broken-ca.pem"), "not a certificate\n");
        GatewayConfig config = config(APP + """
                - name: broken
                  pathPrefix: /broken
                  upstream: {targets: ["https://127.0.0.1:9444"], tls: {trustedCa: broken-ca.pem}}
                """);

        // routes are built in the configuration's order: "app" and its context exist when "broken" fails.
        // Nothing here can release that context: the paranoid leak detector, drained after every test
        // (NettyLeakDetectionExtension), fails this test if the failed build left it unreleased.
        assertThatThrownBy(() -> build(config)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("proxy.routes[1].upstream.tls: ");
    }
}
