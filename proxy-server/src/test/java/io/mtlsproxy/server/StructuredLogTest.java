package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.core.config.LoggingConfig;
import io.mtlsproxy.server.logging.LogSetup;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log as configured: JSON lines that parse and carry the request id (also from a backend's
 * thread), plain lines with {@code requestId=}; never a secret value.
 */
class StructuredLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIG = """
            access:
              rules: [{name: all, match: {anyAuthenticated: true}, secrets: ["*"]}]
            secrets:
              backends:
                - type: file
                  name: files
                  directory: secrets
            """;

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @BeforeEach
    void secretFiles() throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(secrets.resolve("fleet-wifi"), "wifi-psk-value\n");
        Files.write(secrets.resolve("broken"), new byte[2 * 1024 * 1024]); // the store fails: logged on its thread
    }

    private String log() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    private void exercise(String prefix) throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG);
                TlsClient client = gateway.connect(pki.client("device-a"))) {
            assertThat(request(client, "/v1/secrets/fleet-wifi", prefix + "-read").status()).isEqualTo(200);
            assertThat(request(client, "/nowhere", prefix + "-route").status()).isEqualTo(404);
            assertThat(request(client, "/v1/secrets/broken", prefix + "-store").status()).isEqualTo(503);
        }
    }

    private static TlsClient.Response request(TlsClient client, String path, String requestId) throws Exception {
        return client.exchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: " + requestId + "\r\n\r\n");
    }

    @Test
    void jsonLinesParseAndCarryTheRequestId() throws Exception {
        try (AutoCloseable logging = LogSetup.applyTo(new LoggingConfig(LoggingConfig.Format.JSON, "INFO"), captured)) {
            exercise("json");
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : log().split("\n")) {
            lines.add(JSON.readTree(line)); // every line is one JSON object
        }
        assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line.has("message") && line.has("level")).isTrue());

        JsonNode refused = lines.stream().filter(l -> l.get("message").asText().startsWith("request refused")).findFirst()
                .orElseThrow();
        assertThat(refused.get("requestId").asText()).isEqualTo("json-route");
        assertThat(refused.get("client").asText()).startsWith("127.0.0.1:");

        // logged where the backend's answer is handled: its thread, or the event loop when the answer was quick
        JsonNode store = lines.stream().filter(l -> l.get("message").asText().startsWith("secret store unavailable"))
                .findFirst().orElseThrow();
        assertThat(store.get("requestId").asText()).isEqualTo("json-store");

        JsonNode started = lines.stream().filter(l -> l.get("message").asText().startsWith("mtls-proxy listening"))
                .findFirst().orElseThrow();
        assertThat(started.has("requestId")).isFalse();
        assertThat(log()).doesNotContain("wifi-psk-value");
    }

    @Test
    void plainLinesShowTheRequestId() throws Exception {
        try (AutoCloseable logging = LogSetup.applyTo(new LoggingConfig(LoggingConfig.Format.PLAIN, "INFO"), captured)) {
            exercise("plain");
        }
        List<String> lines = log().lines().toList();

        assertThat(lines).filteredOn(l -> l.contains("secret store unavailable")).singleElement().asString()
                .endsWith("requestId=plain-store");
        assertThat(lines).filteredOn(l -> l.contains("mtls-proxy listening")).singleElement().asString()
                .doesNotContain("requestId=");
        assertThat(log()).doesNotContain("wifi-psk-value");
    }

    @Test
    void theLevelIsApplied() throws Exception {
        try (AutoCloseable logging = LogSetup.applyTo(new LoggingConfig(LoggingConfig.Format.PLAIN, "WARN"), captured)) {
            exercise("quiet");
        }
        assertThat(log()).doesNotContain("mtls-proxy listening").contains("secret store unavailable");
    }
}
