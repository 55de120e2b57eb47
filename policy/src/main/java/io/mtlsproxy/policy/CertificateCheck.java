package io.mtlsproxy.policy;

import io.mtlsproxy.core.identity.ClientIdentity;

/**
 * One rule a client certificate must satisfy. Checks are composed all-of by
 * {@link ClientCertificatePolicy}, and all-of / any-of by the composites of
 * {@code io.mtlsproxy.policy.rules}.
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

    /**
     * As {@link #check}, for the operator's {@code inspect} tool: a composite overrides it to run
     * every member, even after the outcome is known, and report each one in
     * {@link CheckResult#children()}; {@link #check} may stop early.
     */
    default CheckResult explain(ClientIdentity identity, CheckContext context) {
        return check(identity, context);
    }
}
