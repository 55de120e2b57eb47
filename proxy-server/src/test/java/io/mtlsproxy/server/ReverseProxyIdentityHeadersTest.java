package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.forwarded.ForwardedCertificateFormat;
import io.mtlsproxy.core.forwarded.ForwardedCertificates;
import io.mtlsproxy.core.forwarded.IdentityHeaderVerifier;
import io.mtlsproxy.core.forwarded.Xfcc;
import io.mtlsproxy.core.forwarded.XfccElement;
import io.mtlsproxy.core.identity.Thumbprints;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a real upstream receives as the device's identity, per route and mode: exactly the headers
 * the route asks for, built from the certificate the gateway validated, never a copy the device
 * (or anyone but a trusted ingress) sent.
 */
class ReverseProxyIdentityHeadersTest {
    private static final String SPOOFED = "X-Forwarded-Client-Cert: By=spiffe://evil;Hash=00;Subject=\"CN=admin\"\r\n"
            + "Client-Cert: :AAAA:\r\nX-Client-Subject: CN=admin\r\nX-Client-Sha256: 00\r\nX-Mtls-Proxy-Signature: forged\r\n";

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate device = CertificateBuilder.client("CN=kiosk-1,O=mtls-proxy tests").signedBy(pki.deviceCa);
    private UpstreamServer upstream;

    @AfterEach
    void stopUpstream() {
        if (upstream != null) {
            upstream.close();
        }
    }

    private RunningGateway gateway(String identityHeaders, String more) throws Exception {
        upstream = UpstreamServer.http("app");
        return RunningGateway.start(dir, pki, ReverseProxyForwardingTest.config("""
                - name: app
                  pathPrefix: /app
                  upstream: {targets: ["%s"]}
                """.formatted(upstream.url()) + identityHeaders) + more);
    }

    private TlsClient connect(RunningGateway gateway) throws Exception {
        return gateway.connect(device);
    }

    private static TlsClient.Response get(TlsClient client, String path, String headers) throws Exception {
        return client.exchange("GET " + path + " HTTP/1.1\r\nHost: devices.example.com\r\n" + headers + "\r\n");
    }

    @Test
    void byDefaultTheUpstreamGetsTheSimpleHeadersOfTheValidatedCertificate() throws Exception {
        try (RunningGateway gateway = gateway("", ""); TlsClient client = connect(gateway)) {
            assertThat(get(client, "/app/x", SPOOFED).status()).isEqualTo(200);

            UpstreamServer.Received seen = upstream.last();
            assertThat(seen.headers().getAll("x-client-subject")).containsExactly("CN=kiosk-1,O=mtls-proxy tests");
            assertThat(seen.headers().getAll("x-client-issuer")).containsExactly("CN=Test Devices,O=mtls-proxy tests");
            assertThat(seen.headers().getAll("x-client-sha256")).containsExactly(Thumbprints.sha256Hex(device.certificate()));
            assertThat(seen.headers().get("x-client-serial")).isEqualTo(device.certificate().getSerialNumber().toString(16));
            assertThat(seen.headers().names()).map(String::toLowerCase)
                    .doesNotContain("x-forwarded-client-cert", "client-cert", "x-mtls-proxy-signature", "x-client-device-id");
        }
    }

    @Test
    void envoyXfccAndRfc9440CarryTheCertificateAndItsChain() throws Exception {
        String headers = """
                  identityHeaders:
                    xfcc: set
                    xfccFields: [Hash, Cert, Chain, Subject, URI, DNS]
                    clientCert: true
                    clientCertChain: true
                    simple: false
                """;
        try (RunningGateway gateway = gateway(headers, ""); TlsClient client = connect(gateway)) {
            assertThat(get(client, "/app/x", SPOOFED).status()).isEqualTo(200);

            UpstreamServer.Received seen = upstream.last();
            List<XfccElement> xfcc = Xfcc.parse(seen.headers().get("x-forwarded-client-cert"));
            assertThat(xfcc).hasSize(1); // the device's own element was dropped, not appended to
            assertThat(xfcc.get(0).value("Hash")).isEqualTo(Thumbprints.sha256Hex(device.certificate()));
            assertThat(xfcc.get(0).value("Subject")).isEqualTo("CN=kiosk-1,O=mtls-proxy tests");
            // what an Envoy-speaking upstream reads back is the very certificate the gateway validated
            assertThat(ForwardedCertificates.parse(ForwardedCertificateFormat.XFCC, seen.headers().get("x-forwarded-client-cert"),
                    null)).containsExactly(device.certificate(), pki.deviceCa.certificate());
            assertThat(ForwardedCertificates.parse(ForwardedCertificateFormat.CLIENT_CERT, seen.headers().get("client-cert"),
                    seen.headers().get("client-cert-chain"))).containsExactly(device.certificate(), pki.deviceCa.certificate());
            assertThat(seen.headers().names()).map(String::toLowerCase).doesNotContain("x-client-subject", "x-client-sha256");
        }
    }

    @Test
    void signedHeadersVerifyAtTheUpstreamAndOnlyForTheirOwnRequest() throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Files.writeString(dir.resolve("upstream.key"), Base64.getEncoder().encodeToString(key));
        String headers = """
                  identityHeaders:
                    signing: {keyFile: upstream.key}
                """;
        try (RunningGateway gateway = gateway(headers, ""); TlsClient client = connect(gateway)) {
            assertThat(get(client, "/app/orders?id=7", SPOOFED).status()).isEqualTo(200);

            UpstreamServer.Received seen = upstream.last();
            IdentityHeaderVerifier verifier = new IdentityHeaderVerifier(key);
            IdentityHeaderVerifier.Result valid = verifier.verify(name -> seen.headers().get(name), "GET", seen.uri(),
                    Instant.now(), Duration.ofMinutes(1));
            assertThat(valid.valid()).as(valid.reason()).isTrue();
            assertThat(valid.signedHeaders()).contains("x-client-subject", "x-client-sha256");
            assertThat(verifier.verify(name -> seen.headers().get(name), "GET", "/app/orders?id=8", Instant.now(),
                    Duration.ofMinutes(1)).valid()).isFalse();
            assertThat(verifier.verify(name -> name.equals("x-client-subject") ? "CN=admin" : seen.headers().get(name), "GET",
                    seen.uri(), Instant.now(), Duration.ofMinutes(1)).valid()).isFalse();
        }
    }

    @Test
    void appendKeepsATrustedIngresssXfccAndNeverADevicesOwn() throws Exception {
        String headers = """
                  identityHeaders:
                    xfcc: append
                """;
        String ingress = """
                ingress:
                  enabled: true
                  bind: 127.0.0.1
                  port: 0
                  trustedProxies: [127.0.0.2/32]
                """;
        String pem = URLEncoder.encode(device.certificatePem(), StandardCharsets.UTF_8).replace("+", "%20");
        String chain = URLEncoder.encode(device.presentedChainPem(), StandardCharsets.UTF_8).replace("+", "%20");
        String ingressXfcc = "By=spiffe://ingress;Hash=" + Thumbprints.sha256Hex(device.certificate()) + ";Cert=\"" + pem
                + "\";Chain=\"" + chain + "\"";
        try (RunningGateway gateway = gateway(headers, ingress);
                TlsClient direct = connect(gateway);
                TlsClient viaIngress = TlsClient.plain("127.0.0.2", gateway.gateway.ingressPort().getAsInt())) {
            assertThat(get(direct, "/app/x", SPOOFED).status()).isEqualTo(200);
            List<XfccElement> fromDevice = Xfcc.parse(upstream.last().headers().get("x-forwarded-client-cert"));
            assertThat(get(viaIngress, "/app/x", "X-Forwarded-Client-Cert: " + ingressXfcc + "\r\n").status()).isEqualTo(200);
            UpstreamServer.Received seen = upstream.last();
            List<XfccElement> fromIngress = Xfcc.parse(seen.headers().get("x-forwarded-client-cert"));

            assertThat(fromDevice).hasSize(1);
            assertThat(fromDevice.get(0).value("By")).isNull();
            assertThat(fromIngress).hasSize(2);
            assertThat(fromIngress.get(0).value("By")).isEqualTo("spiffe://ingress");
            assertThat(fromIngress.get(1).value("Hash")).isEqualTo(Thumbprints.sha256Hex(device.certificate()));
            // the device named by the ingress is the one the simple headers describe too
            assertThat(seen.headers().get("x-client-sha256")).isEqualTo(Thumbprints.sha256Hex(device.certificate()));
        }
    }
}
