package io.mtlsproxy.core.audit;

/** Where audit events go. Implementations must not block for long: they run on event loops. */
@FunctionalInterface
public interface AuditSink {
    AuditSink NONE = event -> { };

    void record(AuditEvent event);
}
