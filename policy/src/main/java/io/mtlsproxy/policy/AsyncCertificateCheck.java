package io.mtlsproxy.policy;

import io.mtlsproxy.core.identity.ClientIdentity;
import java.util.concurrent.CompletableFuture;

/**
 * A check that must ask a remote service (Microsoft Graph, an OCSP responder). It never blocks
 * the caller, which is an event loop: the future completes on the check's own executor, and the
 * server hops back to the connection's event loop. It runs after the TLS handshake, once per
 * connection (results are cached by the check itself), before the connection's first request is
 * answered; a refusal is answered in HTTP (401/403, or 503 with Retry-After for
 * {@link RejectReason#isRetryable() retryable} outcomes) and the connection closed.
 *
 * <p>The future must always complete: an implementation enforces its own timeout.
 */
public interface AsyncCertificateCheck {
    String name();

    CompletableFuture<CheckResult> check(ClientIdentity identity, CheckContext context);
}
