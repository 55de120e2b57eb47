package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/secrets/{name}}: every status the API promises, over real mTLS. */
class SecretApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate deviceA = pki.client("device-a");
    private final IssuedCertificate deviceB = pki.client("device-b");
    private Path secretsDir;

    @BeforeEach
    void secretFiles() throws Exception {
        secretsDir = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(secretsDir.resolve("device-device-a"), "a-only\n");
        Files.writeString(secretsDir.resolve("device-device-b"), "b-only\n");
        Files.writeString(secretsDir.resolve("fleet-wifi"), "wifi-psk\n");
        // over the file backend's size bound: the store cannot serve it, which is "unavailable", not "not found"
        Files.write(secretsDir.resolve("broken"), new byte[2 * 1024 * 1024]);
    }

    private RunningGateway start() throws Exception {
        return RunningGateway.start(dir, pki, """
                  maxUriLength: 256
                  maxHeaderSize: 1024
                  maxBodySize: 100
                """, """
                access:
                  rules:
                    - name: own-secret
                      match: {issuer: ["CN=test root, O=MTLS-PROXY tests"]}
                      secrets: ["device-{cn}", "fleet-*", "missing-*", "broken", "a*"]
                secrets:
                  backends:
                    - type: file
                      name: files
                      directory: secrets
                """, java.util.Map.of());
    }

    @Test
    void grantedSecretIsReturnedAsScopedJson() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(deviceA)) {
            TlsClient.Response response = client.get("/v1/secrets/device-device-a");
            assertThat(response.status()).isEqualTo(200);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.get("name").asText()).isEqualTo("device-device-a");
            assertThat(body.get("value").asText()).isEqualTo("a-only");
            assertThat(body.get("backend").asText()).isEqualTo("files");
            assertThat(body.get("version").asText()).isNotEmpty();
            assertThat(response.header("Cache-Control")).isEqualTo("no-store");
            assertThat(response.header("Content-Type")).startsWith("application/json");
            assertThat(response.header("X-Request-Id")).isNotEmpty();
        }
    }

    @Test
    void deviceCannotReadAnotherDevicesSecret() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(deviceA)) {
            TlsClient.Response response = client.get("/v1/secrets/device-device-b");
            assertThat(response.status()).isEqualTo(403);
            assertError(response, "forbidden");
            assertThat(response.body()).doesNotContain("b-only");
            assertThat(gateway.auditEvents()).singleElement().satisfies(event -> {
                assertThat(event.outcome()).isEqualTo(AuditEvent.Outcome.DENY);
                assertThat(event.secretName()).isEqualTo("device-device-b");
                assertThat(event.subject()).contains("CN=device-a");
            });
        }
    }

    @Test
    void manyRequestsOnOneConnectionUseThePinnedIdentity() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(deviceB)) {
            for (int i = 0; i < 5; i++) {
                assertThat(client.get("/v1/secrets/device-device-b").status()).isEqualTo(200);
                assertThat(client.get("/v1/secrets/device-device-a").status()).isEqualTo(403);
            }
            assertThat(gateway.auditEvents()).hasSize(10)
                    .allSatisfy(e -> assertThat(e.subject()).contains("CN=device-b"));
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(deviceA)) {
            client.send("GET /v1/secrets/device-device-a HTTP/1.1\r\nHost: x\r\nX-Request-Id: one\r\n\r\n"
                    + "GET /v1/secrets/fleet-wifi HTTP/1.1\r\nHost: x\r\nX-Request-Id: two\r\n\r\n"
                    + "GET /v1/secrets/device-device-b HTTP/1.1\r\nHost: x\r\nX-Request-Id: three\r\n\r\n");
            TlsClient.Response first = client.read();
            TlsClient.Response second = client.read();
            TlsClient.Response third = client.read();
            assertThat(first.header("X-Request-Id")).isEqualTo("one");
            assertThat(first.body()).contains("a-only");
            assertThat(second.header("X-Request-Id")).isEqualTo("two");
            assertThat(second.body()).contains("wifi-psk");
            assertThat(third.header("X-Request-Id")).isEqualTo("three");
            assertThat(third.status()).isEqualTo(403);
        }
    }

    @Test
    void invalidNamesGet400() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(deviceA)) {
            for (String name : new String[] {"..%2F..%2Fetc%2Fpasswd", "a%2Fb", ".hidden", "a%01b", "a%00", "%",
                    "a".repeat(128), ""}) {
                TlsClient.Response response = client.get("/v1/secrets/" + name);
                assertThat(response.status()).as(name).isEqualTo(400);
                assertError(response, "invalid_secret_name");
            }
        }
    }

    @Test
    void unknownSecretGets404AndUnknownRouteGets404() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(deviceA)) {
            TlsClient.Response missing = client.get("/v1/secrets/missing-one");
            assertThat(missing.status()).isEqualTo(404);
            assertError(missing, "secret_not_found");
            TlsClient.Response route = client.get("/v2/whatever");
            assertThat(route.status()).isEqualTo(404);
            assertError(route, "not_found");
        }
    }

    @Test
    void wrongMethodGets405WithAllow() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(deviceA)) {
            TlsClient.Response response = client.exchange(
                    "DELETE /v1/secrets/fleet-wifi HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            assertThat(response.status()).isEqualTo(405);
            assertThat(response.header("Allow")).isEqualTo("GET");
            assertError(response, "method_not_allowed");
        }
    }

    @Test
    void oversizedUriHeadersAndBodyAreRefusedAndTheConnectionClosed() throws Exception {
        try (RunningGateway gateway = start()) {
            try (TlsClient client = gateway.connect(deviceA)) {
                TlsClient.Response response = client.get("/v1/secrets/" + "a".repeat(400));
                assertThat(response.status()).isEqualTo(414);
                assertError(response, "uri_too_long");
                assertThat(client.closedByServer()).isTrue();
            }
            try (TlsClient client = gateway.connect(deviceA)) {
                TlsClient.Response response = client.exchange("GET /v1/secrets/fleet-wifi HTTP/1.1\r\nHost: x\r\nX-Big: "
                        + "b".repeat(2000) + "\r\n\r\n");
                assertThat(response.status()).isEqualTo(431);
                assertError(response, "headers_too_large");
            }
            try (TlsClient client = gateway.connect(deviceA)) {
                TlsClient.Response response = client.exchange("GET /v1/secrets/fleet-wifi HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Length: 1000\r\n\r\n" + "x".repeat(1000));
                assertThat(response.status()).isEqualTo(413);
                assertError(response, "body_too_large");
            }
        }
    }

    @Test
    void malformedRequestGets400() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(deviceA)) {
            TlsClient.Response response = client.exchange("GET /v1/secrets/x HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
            assertThat(response.status()).isEqualTo(400);
            assertError(response, "bad_request");
        }
    }

    @Test
    void unreadableStoreGets503WithoutInternals() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(deviceA)) {
            TlsClient.Response response = client.get("/v1/secrets/broken");
            assertThat(response.status()).isEqualTo(503);
            assertError(response, "backend_unavailable");
            assertThat(response.header("Retry-After")).isNotNull();
            assertThat(response.body()).doesNotContain("Exception").doesNotContain(secretsDir.toString());
        }
    }

    @Test
    void auditRecordsAccessWithoutTheValue() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(deviceA)) {
            client.get("/v1/secrets/fleet-wifi");
            assertThat(gateway.auditEvents()).singleElement().satisfies(event -> {
                assertThat(event.outcome()).isEqualTo(AuditEvent.Outcome.ALLOW);
                assertThat(event.reason()).isEqualTo("own-secret");
                assertThat(event.backend()).isEqualTo("files");
                assertThat(event.sha256()).isEqualTo(io.mtlsproxy.core.identity.Thumbprints.sha256Hex(deviceA.certificate()));
                assertThat(event.toString()).doesNotContain("wifi-psk");
            });
        }
    }

    private static void assertError(TlsClient.Response response, String code) throws Exception {
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("message").asText()).isNotEmpty();
        assertThat(error.get("requestId").asText()).isEqualTo(response.header("X-Request-Id"));
    }
}
