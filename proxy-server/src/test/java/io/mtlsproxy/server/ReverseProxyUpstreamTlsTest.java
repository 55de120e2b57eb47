package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS upstreams: the upstream's certificate is checked (chain and name) against the route's
 * trusted CA, and the gateway presents its own client certificate to an upstream that demands one.
 */
class ReverseProxyUpstreamTlsTest {
    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate upstreamRoot = CertificateBuilder.ca("CN=Upstream Root,O=mtls-proxy tests").selfSigned();
    private final IssuedCertificate gatewayClientCa = CertificateBuilder.ca("CN=Gateway Clients,O=mtls-proxy tests").selfSigned();
    private UpstreamServer upstream;

    @BeforeEach
    void startUpstream() throws Exception {
        IssuedCertificate serverCertificate = CertificateBuilder.server("CN=inventory.internal")
                .dns("inventory.internal").ip("127.0.0.1").signedBy(upstreamRoot);
        upstream = UpstreamServer.https("secure", serverCertificate, gatewayClientCa.certificate());
        Files.writeString(dir.resolve("upstream-ca.pem"), upstreamRoot.certificatePem());
        IssuedCertificate gatewayClient = CertificateBuilder.client("CN=mtls-proxy gateway,O=mtls-proxy tests")
                .signedBy(gatewayClientCa);
        Files.writeString(dir.resolve("gateway-client.pem"), gatewayClient.presentedChainPem());
        Files.writeString(dir.resolve("gateway-client.key"), gatewayClient.privateKeyPem());
    }

    @AfterEach
    void stopUpstream() {
        upstream.close();
    }

    private RunningGateway start(String tls) throws Exception {
        return RunningGateway.start(dir, pki, ReverseProxyForwardingTest.config("""
                - name: inventory
                  pathPrefix: /inventory
                  upstream:
                    targets: ["https://127.0.0.1:%d"]
                    tls: %s
                """.formatted(upstream.port(), tls)));
    }

    @Test
    void theGatewayPresentsItsClientCertificateToAnUpstreamThatRequiresOne() throws Exception {
        try (RunningGateway gateway = start("{trustedCa: upstream-ca.pem, certificate: gateway-client.pem, "
                + "privateKey: gateway-client.key}");
                TlsClient client = gateway.connect(pki.client("device-1"))) {
            TlsClient.Response response = client.get("/inventory/items");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("hello from secure");
            assertThat(upstream.last().clientCertificateSubject()).contains("CN=mtls-proxy gateway");
            // the device's own certificate never travels upstream
            assertThat(upstream.last().headers().names()).map(String::toLowerCase).noneMatch(n -> n.contains("cert"));
        }
    }

    @Test
    void withoutItsClientCertificateTheUpstreamRefusesAnd502Follows() throws Exception {
        try (RunningGateway gateway = start("{trustedCa: upstream-ca.pem}");
                TlsClient client = gateway.connect(pki.client("device-1"))) {
            TlsClient.Response response = client.get("/inventory/items");

            assertThat(response.status()).isEqualTo(502);
            assertThat(response.body()).contains("\"code\":\"upstream_unavailable\"");
        }
    }

    @Test
    void anUpstreamCertificateFromAnotherCaIsRefused() throws Exception {
        IssuedCertificate otherRoot = CertificateBuilder.ca("CN=Other Root").selfSigned();
        Files.writeString(dir.resolve("other-ca.pem"), otherRoot.certificatePem());
        try (RunningGateway gateway = start("{trustedCa: other-ca.pem, certificate: gateway-client.pem, "
                + "privateKey: gateway-client.key}");
                TlsClient client = gateway.connect(pki.client("device-1"))) {
            assertThat(client.get("/inventory/items").status()).isEqualTo(502);
            assertThat(upstream.received()).isEmpty();
        }
    }

    @Test
    void theUpstreamMustBeNamedByItsCertificateUnlessThatIsLoudlyTurnedOff() throws Exception {
        String wrongName = "{trustedCa: upstream-ca.pem, certificate: gateway-client.pem, privateKey: gateway-client.key, "
                + "serverName: elsewhere.internal";
        try (RunningGateway gateway = start(wrongName + "}");
                TlsClient client = gateway.connect(pki.client("device-1"))) {
            assertThat(client.get("/inventory/items").status()).isEqualTo(502);
        }
        try (RunningGateway gateway = start(wrongName + ", insecureSkipHostnameVerification: true}");
                TlsClient client = gateway.connect(pki.client("device-1"))) {
            assertThat(client.get("/inventory/items").status()).isEqualTo(200);
        }
    }

    @Test
    void anUpstreamThatNeverFinishesTheHandshakeIsA504() throws Exception {
        // the kernel accepts the connection into the backlog; nobody ever answers the ClientHello
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress());
                RunningGateway gateway = RunningGateway.start(dir, pki, ReverseProxyForwardingTest.config("""
                        - name: inventory
                          pathPrefix: /inventory
                          upstream:
                            targets: ["https://127.0.0.1:%d"]
                            tls: {trustedCa: upstream-ca.pem}
                            timeouts: {connect: 300ms}
                        """.formatted(silent.getLocalPort())));
                TlsClient client = gateway.connect(pki.client("device-1"))) {
            TlsClient.Response response = client.get("/inventory/items");

            assertThat(response.status()).isEqualTo(504);
            assertThat(response.body()).contains("\"code\":\"upstream_timeout\"");
        }
    }

    @Test
    void serverNameNamesTheUpstreamForTheCheck() throws Exception {
        try (RunningGateway gateway = start("{trustedCa: upstream-ca.pem, certificate: gateway-client.pem, "
                + "privateKey: gateway-client.key, serverName: inventory.internal}");
                TlsClient client = gateway.connect(pki.client("device-1"))) {
            assertThat(client.get("/inventory/items").status()).isEqualTo(200);
        }
    }
}
