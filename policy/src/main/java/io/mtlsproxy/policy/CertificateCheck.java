package io.mtlsproxy.policy;

import io.mtlsproxy.core.identity.ClientIdentity;

/**
 * One rule a client certificate must satisfy. Checks are composed all-of by
 * {@link ClientCertificatePolicy}.
 *
 * <p>Implementations are synchronous, cheap and thread-safe: they run on event-loop threads
 * during the TLS handshake (on a miss of the chain cache). Checks that need the network (Entra
 * through Graph, OCSP) will get their own asynchronous variant returning a
 * {@code CompletableFuture<CheckResult>} from the same ({@link ClientIdentity}, {@link CheckContext})
 * arguments; they must never be squeezed into this interface by blocking.
 */
public interface CertificateCheck {
    /** A short stable name for logs and the {@code inspect} output, e.g. {@code chain}. */
    String name();

    /** Never throws for a bad certificate: a refusal is a failed {@link CheckResult}. */
    CheckResult check(ClientIdentity identity, CheckContext context);
}
