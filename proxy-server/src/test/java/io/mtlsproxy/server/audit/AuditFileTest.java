package io.mtlsproxy.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.config.AuditConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit file: JSON lines, a chain that verifies, continues across restarts, and survives a cut-off line. */
class AuditFileTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static AuditEvent event(String requestId, String subject) {
        return new AuditEvent(Instant.parse("2026-12-02T03:00:00.250Z"), requestId, "10.0.0.7:50000", subject,
                "ab".repeat(32), "wifi-key", AuditEvent.Outcome.ALLOW, "fleet", "appsettings", "v1", 200, 42, false);
    }

    static void write(Path file, int count, String prefix) throws Exception {
        AsyncAuditLog log = AsyncAuditLog.open(new AuditConfig(file, null, null, null), 64);
        for (int i = 0; i < count; i++) {
            log.record(event(prefix + i, "CN=kiosk-" + i + ",O=Contoso \"HQ\"\n"));
        }
        log.close();
    }

    @Test
    void recordsAreJsonLinesWithEveryFieldAndAChainThatVerifies() throws Exception {
        Path file = dir.resolve("audit.jsonl");

        write(file, 3, "r-");

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(3);
        JsonNode first = JSON.readTree(lines.get(0));
        assertThat(first.get("prev").asText()).isEqualTo(HashChain.GENESIS);
        assertThat(first.get("time").asText()).isEqualTo("2026-12-02T03:00:00.250Z");
        assertThat(first.get("requestId").asText()).isEqualTo("r-0");
        assertThat(first.get("subject").asText()).isEqualTo("CN=kiosk-0,O=Contoso \"HQ\"\n");
        assertThat(first.get("secret").asText()).isEqualTo("wifi-key");
        assertThat(first.get("outcome").asText()).isEqualTo("allow");
        assertThat(first.get("reason").asText()).isEqualTo("fleet");
        assertThat(first.get("backend").asText()).isEqualTo("appsettings");
        assertThat(first.get("version").asText()).isEqualTo("v1");
        assertThat(first.get("stale").asBoolean()).isFalse();
        assertThat(first.get("client").asText()).isEqualTo("10.0.0.7:50000");
        assertThat(first.get("status").asInt()).isEqualTo(200);
        JsonNode second = JSON.readTree(lines.get(1));
        assertThat(second.get("prev").asText()).isEqualTo(sha256(lines.get(0)));
        AuditChainVerifier.Result result = AuditChainVerifier.verify(file);
        assertThat(result.intact()).isTrue();
        assertThat(result.records()).isEqualTo(3);
        assertThat(result.lastHash()).isEqualTo(sha256(lines.get(2)));
    }

    @Test
    void aRestartContinuesTheChainFromTheFilesLastLine() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        write(file, 2, "first-run-");

        write(file, 2, "second-run-");

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(4);
        assertThat(JSON.readTree(lines.get(2)).get("prev").asText()).isEqualTo(sha256(lines.get(1)));
        assertThat(AuditChainVerifier.verify(file).records()).isEqualTo(4);
        assertThat(AuditChainVerifier.verify(file).intact()).isTrue();
    }

    @Test
    void aLineCutOffMidWriteIsReportedAndTheChainGoesOnAfterIt() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        write(file, 2, "r-");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 40)); // the crash cut the last record

        write(file, 1, "after-");

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(3);
        assertThat(JSON.readTree(lines.get(2)).get("prev").asText()).isEqualTo(sha256(lines.get(1)));
        AuditChainVerifier.Result result = AuditChainVerifier.verify(file);
        assertThat(result.brokenLine()).isEqualTo(2);
        assertThat(result.problem()).startsWith("not a hash-chained audit record");
    }

    @Test
    void withoutAChainTheLinesAreStillJson() throws Exception {
        Path file = dir.resolve("plain.jsonl");
        AsyncAuditLog log = AsyncAuditLog.open(new AuditConfig(file, false, true, null), 16);
        log.record(event("r-1", "CN=kiosk-1"));
        log.close();

        JsonNode record = JSON.readTree(Files.readAllLines(file).get(0));
        assertThat(record.has("prev")).isFalse();
        assertThat(record.has("hash")).isFalse();
        assertThat(record.get("requestId").asText()).isEqualTo("r-1");
    }

    private static String sha256(String line) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(line.getBytes(StandardCharsets.UTF_8)));
    }
}
