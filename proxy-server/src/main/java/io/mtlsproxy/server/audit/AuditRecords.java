package io.mtlsproxy.server.audit;

import io.mtlsproxy.core.audit.AuditEvent;
import java.util.Locale;

/**
 * An audit event as the fields of one JSON object, in a fixed order, written by hand: the line's
 * exact bytes are what the hash chain covers, so they must not depend on a library's choices.
 * There is no value field: no record can carry a secret.
 */
final class AuditRecords {
    private AuditRecords() {}

    /** Appends {@code "time":...,"latencyUs":n} (no braces) for {@code e}. */
    static void appendFields(AuditEvent e, AsyncAuditLog.Timestamps timestamps, StringBuilder out) {
        out.append("\"time\":\"");
        timestamps.append(e.time(), out);
        out.append('"');
        string(out, "requestId", e.requestId());
        string(out, "client", e.clientAddress());
        string(out, "subject", e.subject());
        string(out, "sha256", e.sha256());
        string(out, "secret", e.secretName());
        string(out, "outcome", e.outcome().name().toLowerCase(Locale.ROOT));
        string(out, "reason", e.reason());
        string(out, "backend", e.backend());
        string(out, "version", e.version());
        out.append(",\"stale\":").append(e.stale());
        out.append(",\"status\":").append(e.status());
        out.append(",\"latencyUs\":").append(e.latencyMicros());
    }

    private static void string(StringBuilder out, String name, String value) {
        out.append(",\"").append(name).append("\":");
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    // control characters, and the two separators some JSON-lines readers split on
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
