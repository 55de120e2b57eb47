package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.core.identity.Thumbprints;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /api/certificatesecretproxy}: the origin Azure Function's contract, so its PowerShell
 * clients keep working, without its leaks (no value or headers in Diagnostics).
 */
class OriginRouteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIG = """
            access:
              rules:
                - name: kiosks
                  match: {subject: ["CN=kiosk-*,O=mtls-proxy tests"]}
                  secrets: ["wifi-*"]
            secrets:
              backends:
                - type: appsettings
            """;

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate kiosk = pki.client("kiosk-7");

    private RunningGateway start() throws Exception {
        return RunningGateway.start(dir, pki, CONFIG, Map.of("VAR_wifi-office", "office-psk", "VAR_admin-pw", "root!"));
    }

    @Test
    void successHasTheOriginShapeAndNoLeaks() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(kiosk)) {
            TlsClient.Response response = client.exchange("GET /api/certificatesecretproxy?SecretName=wifi-office&code=FUNCTIONKEY "
                    + "HTTP/1.1\r\nHost: x\r\nx-functions-key: HEADERKEY\r\nX-ARR-ClientCert: SPOOFED\r\n\r\n");
            assertThat(response.status()).isEqualTo(200);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.get("Message").asText()).isNotEmpty();
            assertThat(body.get("SecretName").asText()).isEqualTo("wifi-office");
            assertThat(body.get("SecretValue").asText()).isEqualTo("office-psk");
            assertThat(body.get("CertThumb").asText())
                    .isEqualTo(Thumbprints.sha1Hex(kiosk.certificate()).toUpperCase());
            assertThat(body.get("Workload").asText()).isEqualTo("APPSETTINGS");
            JsonNode diagnostics = body.get("Diagnostics");
            assertThat(diagnostics.get("Phase").asText()).isEqualTo("success");
            assertThat(diagnostics.get("Method").asText()).isEqualTo("GET");
            assertThat(diagnostics.get("ValidationMethod").asText()).isEqualTo("CertChainValidation");
            assertThat(diagnostics.get("CertThumbprint").asText()).isEqualTo(body.get("CertThumb").asText());
            assertThat(diagnostics.get("Timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
            for (String key : new String[] {"Url", "SecretName", "Workload", "ChainValidationStatus", "Message"}) {
                assertThat(diagnostics.has(key)).as(key).isTrue();
            }
            String diagnosticsText = diagnostics.toString();
            assertThat(diagnosticsText).doesNotContain("office-psk").doesNotContain("FUNCTIONKEY")
                    .doesNotContain("HEADERKEY").doesNotContain("SPOOFED");
        }
    }

    @Test
    void postAndCaseInsensitiveParameterWork() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(kiosk)) {
            TlsClient.Response response = client.exchange("POST /api/CertificateSecretProxy?secretname=wifi-office HTTP/1.1\r\n"
                    + "Host: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
            assertThat(response.status()).isEqualTo(200);
            assertThat(JSON.readTree(response.body()).get("SecretValue").asText()).isEqualTo("office-psk");
        }
    }

    @Test
    void missingSecretNameIs400InRequestValidation() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(kiosk)) {
            TlsClient.Response response = client.get("/api/certificatesecretproxy");
            assertThat(response.status()).isEqualTo(400);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.get("Diagnostics").get("Phase").asText()).isEqualTo("request-validation");
            assertThat(body.has("SecretValue")).isFalse();
        }
    }

    @Test
    void unknownSecretIs404WithHint() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(kiosk)) {
            TlsClient.Response response = client.get("/api/certificatesecretproxy?SecretName=wifi-nowhere");
            assertThat(response.status()).isEqualTo(404);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.get("Hint").asText()).contains("VAR_wifi-nowhere");
            assertThat(body.get("Diagnostics").get("Phase").asText()).isEqualTo("secret-retrieval");
        }
    }

    @Test
    void secretOutsideTheGrantIs403NotTheValue() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(kiosk)) {
            TlsClient.Response response = client.get("/api/certificatesecretproxy?SecretName=admin-pw");
            assertThat(response.status()).isEqualTo(403);
            assertThat(response.body()).doesNotContain("root!");
            assertThat(JSON.readTree(response.body()).get("Diagnostics").get("Phase").asText()).isEqualTo("unauthorized");
        }
    }

    @Test
    void originEnvironmentSettingsWorkWithoutYaml() throws Exception {
        pki.writeServerFiles(dir);
        IssuedCertificate other = pki.client("not-listed");
        Map<String, String> env = Map.of(
                "AUTH_METHODS", "CertChainValidation;TrustedThumbprints",
                "CERT_ROOT_THUMBPRINT", Thumbprints.sha1Hex(pki.root.certificate()).toUpperCase(),
                "ALLOWED_CLIENT_CERTS", "0000000000000000000000000000000000000000; "
                        + Thumbprints.sha1Hex(kiosk.certificate()).toUpperCase(),
                "WORKLOAD", "APPSETTINGS",
                "VAR_wifi-office", "office-psk",
                "MTLSPROXY_LISTENER__BIND", "127.0.0.1",
                "MTLSPROXY_LISTENER__PORT", "0",
                "MTLSPROXY_TLS__CERTIFICATE", dir.resolve("server.pem").toString(),
                "MTLSPROXY_TLS__PRIVATEKEY", dir.resolve("server.key").toString(),
                "MTLSPROXY_TLS__TRUSTANCHORS", dir.resolve("ca.pem").toString());
        Map<String, String> withAdmin = new java.util.HashMap<>(env);
        withAdmin.put("MTLSPROXY_ADMIN__PORT", "0");
        env = Map.copyOf(withAdmin);
        Gateway gateway = Gateway.start(new io.mtlsproxy.core.config.ConfigLoader(env).loadFromEnvironment(), env, e -> { });
        try (TlsClient client = TlsClient.connect(gateway.port(), pki.root.certificate(), kiosk)) {
            TlsClient.Response response = client.get("/api/certificatesecretproxy?SecretName=wifi-office");
            assertThat(response.status()).isEqualTo(200);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.get("SecretValue").asText()).isEqualTo("office-psk");
            assertThat(body.get("Diagnostics").get("ValidationMethod").asText())
                    .isEqualTo("CertChainValidation+TrustedThumbprints");
            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> {
                try (TlsClient stranger = TlsClient.connect(gateway.port(), pki.root.certificate(), other)) {
                    stranger.get("/api/certificatesecretproxy?SecretName=wifi-office");
                }
            });
            assertThat(refused).hasMessageContaining("bad_certificate");
        } finally {
            gateway.stop(java.time.Duration.ofSeconds(1));
        }
    }

    @Test
    void otherMethodsAre405() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(kiosk)) {
            TlsClient.Response response = client.exchange(
                    "PUT /api/certificatesecretproxy?SecretName=wifi-office HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            assertThat(response.status()).isEqualTo(405);
            assertThat(response.header("Allow")).isEqualTo("GET, POST");
        }
    }
}
