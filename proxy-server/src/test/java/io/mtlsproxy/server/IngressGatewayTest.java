package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.identity.Thumbprints;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behind-ingress listener, black box: an ingress on 127.0.0.2 (trusted) forwards device
 * certificates in each header format; 127.0.0.3 is anyone else on the network.
 */
class IngressGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRUSTED_INGRESS = "127.0.0.2";
    private static final String ELSEWHERE = "127.0.0.3";
    private static final String CONFIG = """
            access:
              rules:
                - name: kiosks
                  match: {subject: ["CN=kiosk-*,O=mtls-proxy tests"]}
                  secrets: ["wifi-*"]
            secrets:
              backends:
                - type: appsettings
            ingress:
              enabled: true
              bind: 127.0.0.1
              port: 0
              trustedProxies: [127.0.0.2/32]
            """;

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate kiosk = pki.client("kiosk-7");
    private final IssuedCertificate laptop = pki.client("laptop-1");

    private RunningGateway start(String config) throws Exception {
        return RunningGateway.start(dir, pki, config, Map.of("VAR_wifi-office", "office-psk"));
    }

    private static TlsClient ingress(RunningGateway gateway, String from) throws Exception {
        return TlsClient.plain(from, gateway.gateway.ingressPort().getAsInt());
    }

    private static TlsClient.Response get(TlsClient client, String path, String headers) throws Exception {
        return client.exchange("GET " + path + " HTTP/1.1\r\nHost: gateway.internal\r\n" + headers + "\r\n");
    }

    private static String arr(IssuedCertificate device) throws Exception {
        return "X-ARR-ClientCert: " + Base64.getEncoder().encodeToString(device.certificate().getEncoded()) + "\r\n";
    }

    /** URL-encoded as Envoy and nginx do it: spaces as %20, never '+'. */
    private static String escaped(String pem) {
        return URLEncoder.encode(pem, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String errorCode(TlsClient.Response response) throws Exception {
        return JSON.readTree(response.body()).get("error").get("code").asText();
    }

    @Test
    void theOriginPowerShellFlowBehindAppServiceIsAnsweredAsTheOriginWould() throws Exception {
        try (RunningGateway gateway = start(CONFIG); TlsClient appService = ingress(gateway, TRUSTED_INGRESS)) {
            TlsClient.Response response = get(appService, "/api/certificatesecretproxy?SecretName=wifi-office&code=KEY",
                    arr(kiosk) + "X-Forwarded-For: 203.0.113.7:50123\r\n");

            assertThat(response.status()).isEqualTo(200);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.get("SecretName").asText()).isEqualTo("wifi-office");
            assertThat(body.get("SecretValue").asText()).isEqualTo("office-psk");
            assertThat(body.get("CertThumb").asText()).isEqualTo(Thumbprints.sha1Hex(kiosk.certificate()).toUpperCase());
            assertThat(body.get("Workload").asText()).isEqualTo("APPSETTINGS");
            assertThat(body.get("Diagnostics").get("Phase").asText()).isEqualTo("success");
            assertThat(body.get("Diagnostics").toString()).doesNotContain("office-psk").doesNotContain("KEY");
            AuditEvent read = gateway.auditEvents().get(gateway.auditEvents().size() - 1);
            assertThat(read.subject()).isEqualTo(kiosk.certificate().getSubjectX500Principal().getName());
            assertThat(read.clientAddress()).isEqualTo("203.0.113.7:50123"); // the device's, as the ingress said
        }
    }

    @Test
    void theOriginRouteAnswersRefusalsInItsOwnShapeAndChecksTheNameFirst() throws Exception {
        try (RunningGateway gateway = start(CONFIG); TlsClient appService = ingress(gateway, TRUSTED_INGRESS)) {
            TlsClient.Response noName = get(appService, "/api/certificatesecretproxy", "");
            TlsClient.Response noCertificate = get(appService, "/api/certificatesecretproxy?SecretName=wifi-office", "");
            TlsClient.Response garbage = get(appService, "/api/certificatesecretproxy?SecretName=wifi-office",
                    "X-ARR-ClientCert: %%%\r\n");

            assertThat(noName.status()).isEqualTo(400);
            assertThat(JSON.readTree(noName.body()).get("Diagnostics").get("Phase").asText()).isEqualTo("request-validation");
            assertThat(noCertificate.status()).isEqualTo(401);
            JsonNode refused = JSON.readTree(noCertificate.body());
            assertThat(refused.get("Message").asText()).isEqualTo("Client certificate is missing.");
            assertThat(refused.get("ErrorCode").asText()).isEqualTo("client_certificate_required");
            assertThat(refused.get("Diagnostics").get("Phase").asText()).isEqualTo("cert-extraction");
            assertThat(garbage.status()).isEqualTo(400);
            assertThat(JSON.readTree(garbage.body()).get("ErrorCode").asText()).isEqualTo("invalid_certificate_header");
        }
    }

    @Test
    void eachHeaderFormatIsAcceptedFromATrustedIngress() throws Exception {
        String pem = kiosk.certificatePem();
        String der = Base64.getEncoder().encodeToString(kiosk.certificate().getEncoded());
        String intermediate = Base64.getEncoder().encodeToString(pki.deviceCa.certificate().getEncoded());
        String hash = Thumbprints.sha256Hex(kiosk.certificate());
        Map<String, String> formats = Map.of(
                "arr", arr(kiosk),
                "xfcc (Envoy, Container Apps)", "X-Forwarded-Client-Cert: By=spiffe://ingress;Hash=" + hash + ";Cert=\""
                        + escaped(pem) + "\";Subject=\"CN=kiosk-7,O=mtls-proxy tests\"\r\n",
                "nginx $ssl_client_escaped_cert", "X-SSL-Client-Cert: " + escaped(pem) + "\r\n",
                "RFC 9440", "Client-Cert: :" + der + ":\r\nClient-Cert-Chain: :" + intermediate + ":\r\n");
        try (RunningGateway gateway = start(CONFIG); TlsClient ingress = ingress(gateway, TRUSTED_INGRESS)) {
            for (Map.Entry<String, String> format : formats.entrySet()) {
                TlsClient.Response response = get(ingress, "/v1/secrets/wifi-office", format.getValue());
                assertThat(response.status()).as(format.getKey()).isEqualTo(200);
                assertThat(JSON.readTree(response.body()).get("value").asText()).as(format.getKey()).isEqualTo("office-psk");
            }
        }
    }

    @Test
    void aForwardedChainLargerThanTheDeviceListenersHeaderLimitFits() throws Exception {
        String chain = escaped(kiosk.certificatePem() + pki.deviceCa.certificatePem() + pki.root.certificatePem());
        String xfcc = "X-Forwarded-Client-Cert: Cert=\"" + escaped(kiosk.certificatePem()) + "\";Chain=\"" + chain + "\"\r\n";
        String padding = "X-Padding: " + "p".repeat(6000) + "\r\n"; // over the device listener's 8 KiB with the XFCC
        try (RunningGateway gateway = start(CONFIG); TlsClient ingress = ingress(gateway, TRUSTED_INGRESS)) {
            assertThat(get(ingress, "/v1/secrets/wifi-office", xfcc + padding).status()).isEqualTo(200);
        }
    }

    @Test
    void theSameHeadersFromAnyOtherAddressAreRefused() throws Exception {
        try (RunningGateway gateway = start(CONFIG); TlsClient stranger = ingress(gateway, ELSEWHERE)) {
            TlsClient.Response spoofed = get(stranger, "/v1/secrets/wifi-office", arr(kiosk) + "X-Forwarded-For: 10.9.9.9\r\n");
            TlsClient.Response bare = get(stranger, "/v1/secrets/wifi-office", "");

            assertThat(spoofed.status()).isEqualTo(403);
            assertThat(errorCode(spoofed)).isEqualTo("untrusted_certificate_header");
            assertThat(bare.status()).isEqualTo(401);
            assertThat(errorCode(bare)).isEqualTo("client_certificate_required");
            assertThat(gateway.auditEvents()).noneMatch(e -> e.status() == 200);
            assertThat(gateway.auditEvents()).allMatch(e -> e.clientAddress().startsWith(ELSEWHERE));
        }
    }

    @Test
    void garbageInTheHeaderIs400AndTheIngressConnectionStaysUsable() throws Exception {
        try (RunningGateway gateway = start(CONFIG); TlsClient ingress = ingress(gateway, TRUSTED_INGRESS)) {
            TlsClient.Response garbage = get(ingress, "/v1/secrets/wifi-office", "X-ARR-ClientCert: not*base64\r\n");
            TlsClient.Response notACertificate = get(ingress, "/v1/secrets/wifi-office",
                    "X-ARR-ClientCert: " + Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8)) + "\r\n");
            TlsClient.Response conflicting = get(ingress, "/v1/secrets/wifi-office", arr(kiosk)
                    + "X-SSL-Client-Cert: " + escaped(laptop.certificatePem()) + "\r\n");
            TlsClient.Response good = get(ingress, "/v1/secrets/wifi-office", arr(kiosk));

            for (TlsClient.Response refused : new TlsClient.Response[] {garbage, notACertificate, conflicting}) {
                assertThat(refused.status()).isEqualTo(400);
                assertThat(errorCode(refused)).isEqualTo("invalid_certificate_header");
            }
            assertThat(good.status()).isEqualTo(200);
        }
    }

    @Test
    void aForwardedCertificateIsValidatedByTheSamePolicyAsAHandshake() throws Exception {
        IssuedCertificate expired = CertificateBuilder.client("CN=kiosk-old,O=mtls-proxy tests")
                .validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1))).signedBy(pki.root);
        IssuedCertificate rogueRoot = CertificateBuilder.ca("CN=Test Root,O=mtls-proxy tests").selfSigned();
        IssuedCertificate forged = CertificateBuilder.client("CN=kiosk-7,O=mtls-proxy tests").signedBy(rogueRoot);
        try (RunningGateway gateway = start(CONFIG); TlsClient ingress = ingress(gateway, TRUSTED_INGRESS)) {
            TlsClient.Response old = get(ingress, "/v1/secrets/wifi-office", arr(expired));
            TlsClient.Response fake = get(ingress, "/v1/secrets/wifi-office", arr(forged));

            assertThat(old.status()).isEqualTo(401);
            assertThat(errorCode(old)).isEqualTo("certificate_refused");
            assertThat(fake.status()).isEqualTo(401);
            assertThat(errorCode(fake)).isEqualTo("certificate_refused");
            assertThat(gateway.gateway.refusals().refusals("expired")).isEqualTo(1);
            assertThat(gateway.gateway.refusals().refusals("unknown_ca")).isEqualTo(1);
        }
    }

    @Test
    void eachRequestOnOneIngressConnectionIsDecidedForItsOwnDevice() throws Exception {
        try (RunningGateway gateway = start(CONFIG); TlsClient ingress = ingress(gateway, TRUSTED_INGRESS)) {
            TlsClient.Response first = get(ingress, "/v1/secrets/wifi-office", arr(kiosk));
            TlsClient.Response denied = get(ingress, "/v1/secrets/wifi-office", arr(laptop));
            TlsClient.Response again = get(ingress, "/v1/secrets/wifi-office", arr(kiosk));
            TlsClient.Response anonymous = get(ingress, "/v1/secrets/wifi-office", "");

            assertThat(first.status()).isEqualTo(200);
            assertThat(denied.status()).isEqualTo(403);
            assertThat(again.status()).isEqualTo(200);
            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(gateway.auditEvents()).extracting(AuditEvent::subject).containsSubsequence(
                    kiosk.certificate().getSubjectX500Principal().getName(),
                    laptop.certificate().getSubjectX500Principal().getName(),
                    kiosk.certificate().getSubjectX500Principal().getName());
        }
    }

    @Test
    void serverOnlyTlsAsksForNoClientCertificate() throws Exception {
        String config = CONFIG.replace("trustedProxies: [127.0.0.2/32]", "trustedProxies: [127.0.0.1/32]\n  tls: server");
        try (RunningGateway gateway = start(config);
                TlsClient ingress = TlsClient.connect(gateway.gateway.ingressPort().getAsInt(), pki.root.certificate(), null)) {
            TlsClient.Response response = get(ingress, "/v1/secrets/wifi-office", arr(kiosk));

            assertThat(response.status()).isEqualTo(200);
            assertThat(ingress.socket().getSession().getPeerCertificates()[0]).isEqualTo(pki.server.certificate());
        }
    }

    @Test
    void theDeviceListenerNeverBelievesTheHeader() throws Exception {
        try (RunningGateway gateway = start(CONFIG); TlsClient device = gateway.connect(laptop)) {
            TlsClient.Response response = get(device, "/v1/secrets/wifi-office", arr(kiosk));

            assertThat(response.status()).isEqualTo(403); // the laptop's own certificate decides
        }
    }
}
