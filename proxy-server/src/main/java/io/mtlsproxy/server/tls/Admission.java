package io.mtlsproxy.server.tls;

import io.mtlsproxy.core.error.ErrorCode;
import io.mtlsproxy.policy.RejectReason;
import io.mtlsproxy.policy.entra.EntraDevice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Whether a connection's requests may be served, decided once per connection: at once for the
 * checks that run in the handshake, or when the asynchronous checks (Entra, OCSP) have answered.
 *
 * @param refusal the error every request on the connection gets; null when admitted
 * @param retryAfter for a 503, when to retry; otherwise null
 * @param entraDevice the Entra device Graph confirmed for this connection, or null
 * @param auditViolations the reasons (e.g. {@code expired}) an audit-mode listener let through, in
 *     the order found; a route in enforce mode refuses a connection that has any
 */
public record Admission(ErrorCode refusal, Duration retryAfter, EntraDevice entraDevice, List<RejectReason> auditViolations) {
    public static final Admission ADMITTED = new Admission(null, null, null, List.of());
    /** Shared by every connection that has no asynchronous check to wait for. */
    public static final CompletableFuture<Admission> ADMITTED_NOW = CompletableFuture.completedFuture(ADMITTED);

    public Admission {
        auditViolations = List.copyOf(auditViolations);
    }

    public Admission(ErrorCode refusal, Duration retryAfter) {
        this(refusal, retryAfter, null, List.of());
    }

    public boolean admitted() {
        return refusal == null;
    }

    /** This admission with {@code causes} let through before the ones it already holds. */
    public Admission withEarlierViolations(List<RejectReason> causes) {
        if (causes.isEmpty()) {
            return this;
        }
        List<RejectReason> all = new ArrayList<>(causes);
        all.addAll(auditViolations);
        return new Admission(refusal, retryAfter, entraDevice, all);
    }
}
