package io.mtlsproxy.server.audit;

import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.audit.AuditSink;
import io.mtlsproxy.core.config.AuditConfig;
import io.mtlsproxy.core.config.ConfigException;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit records, written off the event loops: lines on the {@code mtls_proxy.audit} logger and/or
 * hash-chained JSON lines in the audit file ({@code audit.file}, see {@link AuditFile}).
 *
 * <p>An event loop only queues the event; one writer thread formats it and hands the lines to
 * the logger in batches, one logging call (so one write) per batch. The writer sleeps a
 * millisecond after a partial batch to let the next one fill, and an event loop wakes it only
 * when it has gone to sleep on an empty queue: under load no event costs a thread wake-up, and
 * an idle gateway's line is written at once. The queue blocks when full rather than dropping:
 * the audit trail is never lost. The event has no value field, so no line can carry a secret.
 */
public final class AsyncAuditLog implements AuditSink, AutoCloseable {
    private static final Logger audit = LoggerFactory.getLogger("mtls_proxy.audit");
    private static final int MAX_BATCH = 512;
    private static final AuditEvent END = new AuditEvent(null, null, null, null, null, null, null, null, null, null, 0, 0,
            false);
    private static final Logger log = LoggerFactory.getLogger(AsyncAuditLog.class);

    private static final long BATCH_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int LINE_CAPACITY = 400; // a typical line is 320-380 characters: one allocation, no growth
    /** {@code " INFO  audit outcome=allow"} and the others, by {@link AuditEvent.Outcome#ordinal()}. */
    private static final String[] OUTCOMES = java.util.Arrays.stream(AuditEvent.Outcome.values())
            .map(outcome -> " INFO  audit outcome=" + outcome.name().toLowerCase(Locale.ROOT))
            .toArray(String[]::new);

    private final BlockingQueue<AuditEvent> queue;
    private final Thread writer;
    private final AtomicBoolean writerAsleep = new AtomicBoolean();
    private final AuditFile file;
    private final boolean logLines;

    /** Lines on the logger only. */
    public AsyncAuditLog(int capacity) {
        this(capacity, null, true);
    }

    private AsyncAuditLog(int capacity, AuditFile file, boolean logLines) {
        this.file = file;
        this.logLines = logLines;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.writer = new Thread(this::writeLoop, "audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** As {@code audit} configures it: the file (chain continued from its last line) and/or the logger. */
    public static AsyncAuditLog open(AuditConfig audit, int capacity) throws ConfigException {
        AuditFile file = audit.file() == null ? null : AuditFile.open(audit);
        return new AsyncAuditLog(capacity, file, audit.logLines());
    }

    @Override
    public void record(AuditEvent event) {
        if (!queue.offer(event)) {
            try {
                queue.put(event); // full: the writer is behind; wait rather than drop
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                audit.info(format(event, new Timestamps())); // never lose the line, even while interrupted
                return;
            }
        }
        if (writerAsleep.get() && writerAsleep.compareAndSet(true, false)) {
            LockSupport.unpark(writer);
        }
    }

    /** Writes every queued line, then stops the writer. */
    @Override
    public void close() {
        try {
            queue.put(END);
            LockSupport.unpark(writer);
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (file != null && !writer.isAlive()) {
            try {
                file.close();
            } catch (IOException e) {
                log.warn("audit file {} did not close cleanly: {}", file.path(), e.toString());
            }
        }
    }

    private void writeLoop() {
        Timestamps timestamps = new Timestamps();
        List<AuditEvent> batch = new ArrayList<>(MAX_BATCH);
        List<AuditEvent> records = new ArrayList<>(MAX_BATCH);
        StringBuilder lines = new StringBuilder(MAX_BATCH * LINE_CAPACITY);
        boolean end = false;
        while (!end) {
            queue.drainTo(batch, MAX_BATCH);
            if (batch.isEmpty()) {
                writerAsleep.set(true);
                if (queue.isEmpty()) { // checked after the flag: an event queued meanwhile has woken us or is seen here
                    LockSupport.park(this);
                }
                writerAsleep.set(false);
                continue;
            }
            for (AuditEvent event : batch) {
                if (event == END) {
                    end = true;
                } else {
                    records.add(event);
                }
            }
            boolean toLogger = logLines;
            if (file != null && !records.isEmpty()) {
                try {
                    file.write(records);
                } catch (IOException | RuntimeException e) {
                    // never lose a record: the logger gets the batch the file could not take
                    log.error("audit file {} write failed ({}); {} records written to the mtls_proxy.audit log instead",
                            file.path(), e.toString(), records.size());
                    toLogger = true;
                }
            }
            if (toLogger) {
                for (AuditEvent event : records) {
                    if (lines.length() > 0) {
                        lines.append(System.lineSeparator());
                    }
                    append(event, timestamps, lines); // straight into the batch: no String per line
                }
                if (lines.length() > 0) {
                    audit.info(lines.toString());
                }
                lines.setLength(0);
            }
            records.clear();
            if (batch.size() < MAX_BATCH && !end) {
                LockSupport.parkNanos(this, BATCH_PAUSE_NANOS);
            }
            batch.clear();
        }
    }

    /** One line, in the same shape as the console log's lines, so a log shipper reads both alike. */
    static String format(AuditEvent e, Timestamps timestamps) {
        StringBuilder line = new StringBuilder(LINE_CAPACITY);
        append(e, timestamps, line);
        return line.toString();
    }

    /**
     * Appends one line to {@code out}. The writer formats every read the gateway serves, so this is
     * written for the hot path: outcomes as prepared constants, a subject escaped only when it
     * holds a quote, no intermediate strings.
     */
    static void append(AuditEvent e, Timestamps timestamps, StringBuilder out) {
        timestamps.append(e.time(), out);
        out.append(OUTCOMES[e.outcome().ordinal()])
                .append(" secret=").append(e.secretName())
                .append(" status=").append(e.status())
                .append(" reason=").append(e.reason())
                .append(" backend=").append(e.backend())
                .append(" version=").append(e.version())
                .append(" subject=\"");
        String subject = e.subject();
        if (subject.indexOf('"') < 0) {
            out.append(subject);
        } else {
            out.append(subject.replace("\"", "\\\""));
        }
        out.append("\" sha256=").append(e.sha256())
                .append(" client=").append(e.clientAddress())
                .append(" requestId=").append(e.requestId())
                .append(" latencyUs=").append(e.latencyMicros())
                .append(" stale=").append(e.stale());
    }

    /**
     * ISO-8601 UTC timestamps with milliseconds, the date and time formatted once per second: a
     * DateTimeFormatter call per line would cost more than the rest of the line. One per thread.
     */
    static final class Timestamps {
        private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.", Locale.ROOT);
        private long second = Long.MIN_VALUE;
        private String prefix = "";

        void append(Instant time, StringBuilder out) {
            long epochSecond = time.getEpochSecond();
            if (epochSecond != second) {
                second = epochSecond;
                prefix = SECOND.format(LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC));
            }
            int millis = time.getNano() / 1_000_000;
            out.append(prefix)
                    .append((char) ('0' + millis / 100))
                    .append((char) ('0' + millis / 10 % 10))
                    .append((char) ('0' + millis % 10))
                    .append('Z');
        }
    }
}
