package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.config.AuditConfig;
import io.mtlsproxy.server.audit.AsyncAuditLog;
import io.mtlsproxy.server.cli.MtlsProxyCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code mtls-proxy verify-audit FILE}: OK with the count for an intact chain (exit 0), the first
 * broken line for an edited, deleted or swapped line (exit 1), exit 2 for usage errors.
 */
class VerifyAuditCommandTest {
    @TempDir
    Path dir;
    Path file;

    @BeforeEach
    void writeFiveRecords() throws Exception {
        file = dir.resolve("audit.jsonl");
        AsyncAuditLog log = AsyncAuditLog.open(new AuditConfig(file, null, null, null), 16);
        for (int i = 1; i <= 5; i++) {
            log.record(new AuditEvent(Instant.parse("2026-12-02T03:00:00Z"), "req-" + i, "10.0.0." + i + ":4000",
                    "CN=kiosk-" + i, "cd".repeat(32), "secret-" + i, i == 4 ? AuditEvent.Outcome.DENY : AuditEvent.Outcome.ALLOW,
                    i == 4 ? "forbidden/no_rule" : "fleet", "files", "v" + i, i == 4 ? 403 : 200, 10 + i, false));
        }
        log.close();
    }

    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = MtlsProxyCommand.newCommandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private List<String> lines() throws Exception {
        return new ArrayList<>(Files.readAllLines(file));
    }

    private void write(List<String> lines) throws Exception {
        Files.writeString(file, String.join("\n", lines) + "\n");
    }

    @Test
    void anIntactChainIsOkWithItsRecordCount() {
        Run run = run("verify-audit", file.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("OK: 5 records, chain intact").contains("last hash: ");
    }

    @Test
    void anEditedValueIsReportedAtItsLine() throws Exception {
        List<String> lines = lines();
        lines.set(2, lines.get(2).replace("\"outcome\":\"allow\"", "\"outcome\":\"deny\""));
        write(lines);

        Run run = run("verify-audit", file.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).startsWith("BROKEN at line 3: the record was altered")
                .containsPattern("expected: [0-9a-f]{64}")
                .containsPattern("found: +[0-9a-f]{64}")
                .contains("2 records before it verify");
    }

    @Test
    void aDeletedLineIsReportedWhereItWas() throws Exception {
        List<String> lines = lines();
        lines.remove(2);
        write(lines);

        Run run = run("verify-audit", file.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).startsWith("BROKEN at line 3: broken link: prev is not the hash of line 2");
    }

    @Test
    void swappedLinesAreReportedAtTheFirstOfThem() throws Exception {
        List<String> lines = lines();
        String second = lines.get(1);
        lines.set(1, lines.get(2));
        lines.set(2, second);
        write(lines);

        Run run = run("verify-audit", file.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).startsWith("BROKEN at line 2: broken link");
    }

    @Test
    void aRecordWhoseHashWasRecomputedStillBreaksTheNextLink() throws Exception {
        // a forger who edits line 2 and fixes its own hash field is caught by line 3's prev
        List<String> lines = lines();
        String edited = lines.get(1).replace("\"status\":200", "\"status\":201");
        String content = edited.substring(0, edited.lastIndexOf(",\"hash\":\""));
        String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(content.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        lines.set(1, content + ",\"hash\":\"" + hash + "\"}");
        write(lines);

        Run run = run("verify-audit", file.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).startsWith("BROKEN at line 3: broken link");
    }

    @Test
    void usageErrorsExit2() {
        assertThat(run("verify-audit").exitCode()).as("no file").isEqualTo(2);
        Run missing = run("verify-audit", dir.resolve("nope.jsonl").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.jsonl: no such file");
    }
}
