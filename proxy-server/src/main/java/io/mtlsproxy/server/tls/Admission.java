package io.mtlsproxy.server.tls;

import io.mtlsproxy.core.error.ErrorCode;
import io.mtlsproxy.policy.entra.EntraDevice;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Whether a connection's requests may be served, decided once per connection: at once for the
 * checks that run in the handshake, or when the asynchronous checks (Entra, OCSP) have answered.
 *
 * @param refusal the error every request on the connection gets; null when admitted
 * @param retryAfter for a 503, when to retry; otherwise null
 * @param entraDevice the Entra device Graph confirmed for this connection, or null
 */
public record Admission(ErrorCode refusal, Duration retryAfter, EntraDevice entraDevice) {
    public static final Admission ADMITTED = new Admission(null, null, null);
    /** Shared by every connection that has no asynchronous check to wait for. */
    public static final CompletableFuture<Admission> ADMITTED_NOW = CompletableFuture.completedFuture(ADMITTED);

    public Admission(ErrorCode refusal, Duration retryAfter) {
        this(refusal, retryAfter, null);
    }

    public boolean admitted() {
        return refusal == null;
    }
}
