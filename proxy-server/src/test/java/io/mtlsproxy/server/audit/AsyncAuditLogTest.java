package io.mtlsproxy.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mtlsproxy.core.audit.AuditEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The audit writer loses no line, duplicates none, and writes everything queued before close returns. */
class AsyncAuditLogTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger("mtls_proxy.audit");
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();

    @BeforeEach
    void capture() {
        captured.start();
        logger.addAppender(captured);
    }

    @AfterEach
    void release() {
        logger.detachAppender(captured);
    }

    @Test
    void everyEventFromManyThreadsIsWrittenOnceBeforeCloseReturns() throws Exception {
        AsyncAuditLog log = new AsyncAuditLog(64); // small: producers must block, not drop
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            producers.add(new Thread(() -> {
                for (int i = 0; i < 2_500; i++) {
                    log.record(event("req-" + thread + "-" + i));
                }
            }));
            producers.get(producers.size() - 1).start();
        }
        for (Thread producer : producers) {
            producer.join();
        }
        log.close();

        Set<String> ids = new HashSet<>();
        int lines = 0;
        for (ILoggingEvent batch : captured.list) {
            for (String line : batch.getFormattedMessage().split(System.lineSeparator())) {
                lines++;
                ids.add(line.replaceAll(".* requestId=(\\S+) .*", "$1"));
            }
        }
        assertThat(lines).isEqualTo(10_000);
        assertThat(ids).hasSize(10_000);
    }

    @Test
    void lineNamesWhoReadWhatAndHasAnIsoTimestamp() {
        String line = AsyncAuditLog.format(event("r-1"), new AsyncAuditLog.Timestamps());
        assertThat(line).startsWith("2026-11-23T10:15:30.123Z INFO  audit outcome=allow secret=wifi-key status=200 reason=kiosks")
                .contains("subject=\"CN=kiosk-7,O=Contoso \\\"HQ\\\"\"")
                .contains("requestId=r-1");
    }

    @Test
    void lineMarksStaleServesAndNotModified() {
        AuditEvent stale = new AuditEvent(Instant.parse("2026-11-23T10:15:30Z"), "r-2", "10.0.0.7:50000", "CN=kiosk-7",
                "ab".repeat(32), "wifi-key", AuditEvent.Outcome.NOT_MODIFIED, "kiosks", "vault", "v1", 304, 42, true);

        assertThat(AsyncAuditLog.format(stale, new AsyncAuditLog.Timestamps()))
                .contains("outcome=not_modified secret=wifi-key status=304").endsWith(" stale=true");
        assertThat(AsyncAuditLog.format(event("r-1"), new AsyncAuditLog.Timestamps())).endsWith(" stale=false");
    }

    private static AuditEvent event(String requestId) {
        return new AuditEvent(Instant.parse("2026-11-23T10:15:30.123456Z"), requestId, "10.0.0.7:50000",
                "CN=kiosk-7,O=Contoso \"HQ\"", "ab".repeat(32), "wifi-key", AuditEvent.Outcome.ALLOW, "kiosks", "files",
                "v1", 200, 42, false);
    }
}
