package io.mtlsproxy.server.tls;

import io.mtlsproxy.core.error.ErrorCode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Whether a connection's requests may be served, decided once per connection: at once for the
 * checks that run in the handshake, or when the asynchronous checks (Entra, OCSP) have answered.
 *
 * @param refusal the error every request on the connection gets; null when admitted
 * @param retryAfter for a 503, when to retry; otherwise null
 */
public record Admission(ErrorCode refusal, Duration retryAfter) {
    public static final Admission ADMITTED = new Admission(null, null);
    /** Shared by every connection that has no asynchronous check to wait for. */
    public static final CompletableFuture<Admission> ADMITTED_NOW = CompletableFuture.completedFuture(ADMITTED);

    public boolean admitted() {
        return refusal == null;
    }
}
