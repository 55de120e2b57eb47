package io.mtlsproxy.server.audit;

import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.audit.AuditSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit lines on the {@code mtls_proxy.audit} logger (route it to its own appender in
 * logback.xml). The event has no value field, so no line can carry a secret.
 */
public final class LoggingAuditSink implements AuditSink {
    private static final Logger audit = LoggerFactory.getLogger("mtls_proxy.audit");

    @Override
    public void record(AuditEvent e) {
        audit.info("outcome={} secret={} status={} reason={} backend={} version={} subject=\"{}\" sha256={} client={} requestId={} latencyUs={}",
                e.outcome().name().toLowerCase(java.util.Locale.ROOT), e.secretName(), e.status(), e.reason(), e.backend(),
                e.version(), e.subject().replace("\"", "\\\""), e.sha256(), e.clientAddress(), e.requestId(), e.latencyMicros());
    }
}
