package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.core.config.ConfigLoader;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.identity.Thumbprints;
import io.mtlsproxy.server.audit.AsyncAuditLog;
import io.mtlsproxy.server.audit.AuditChainVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit file behind a real gateway: who read what and why, refusals too, a chain that verifies, never a value. */
class AuditTrailGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyReadAndRefusalIsAChainedRecordWithoutTheValue() throws Exception {
        TestPki pki = new TestPki();
        IssuedCertificate device = pki.client("kiosk-7");
        pki.writeServerFiles(dir);
        RunningGateway.rewriteConfig(dir, "", """
                access:
                  rules:
                    - name: fleet
                      match: {anyAuthenticated: true}
                      secrets: [wifi-key]
                secrets:
                  backends:
                    - type: appsettings
                      name: settings
                      values: {wifi-key: "s3cret-psk-value", admin-pw: "root-pw-value"}
                audit:
                  file: audit/trail.jsonl
                """);
        ConfigLoader loader = new ConfigLoader(Map.of());
        GatewayConfig config = loader.load(dir.resolve("config.yaml"));
        AsyncAuditLog audit = AsyncAuditLog.open(config.audit(), 1024);
        try (Gateway gateway = Gateway.start(ConfigSource.file(loader, dir.resolve("config.yaml")), config, Map.of(), audit);
                TlsClient client = TlsClient.connect(gateway.port(), pki.root.certificate(), device)) {
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            assertThat(client.get("/v1/secrets/admin-pw").status()).isEqualTo(403);
        } finally {
            audit.close();
        }

        Path file = dir.resolve("audit/trail.jsonl");
        String text = Files.readString(file);
        assertThat(text).doesNotContain("s3cret-psk-value").doesNotContain("root-pw-value");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2);
        JsonNode granted = JSON.readTree(lines.get(0));
        assertThat(granted.get("secret").asText()).isEqualTo("wifi-key");
        assertThat(granted.get("outcome").asText()).isEqualTo("allow");
        assertThat(granted.get("reason").asText()).isEqualTo("fleet");
        assertThat(granted.get("backend").asText()).isEqualTo("settings");
        assertThat(granted.get("version").asText()).isNotEqualTo("-");
        assertThat(granted.get("stale").asBoolean()).isFalse();
        assertThat(granted.get("subject").asText()).isEqualTo("CN=kiosk-7,O=mtls-proxy tests");
        assertThat(granted.get("sha256").asText()).isEqualTo(Thumbprints.sha256Hex(device.certificate()));
        assertThat(granted.get("client").asText()).startsWith("127.0.0.1:");
        JsonNode refused = JSON.readTree(lines.get(1));
        assertThat(refused.get("secret").asText()).isEqualTo("admin-pw");
        assertThat(refused.get("outcome").asText()).isEqualTo("deny");
        assertThat(refused.get("reason").asText()).startsWith("forbidden");
        assertThat(refused.get("status").asInt()).isEqualTo(403);
        AuditChainVerifier.Result result = AuditChainVerifier.verify(file);
        assertThat(result.intact()).isTrue();
        assertThat(result.records()).isEqualTo(2);
    }
}
