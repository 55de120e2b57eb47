package io.mtlsproxy.core.audit;

import java.time.Instant;

/**
 * One secret access or denial. Never carries a secret value: there is no field for one.
 *
 * @param time when the decision was made
 * @param requestId the request's id, as echoed in X-Request-Id
 * @param clientAddress the peer address
 * @param subject the client certificate's subject DN, or "-" when there was none
 * @param sha256 the client certificate's SHA-256 thumbprint, or "-"
 * @param secretName the secret asked for
 * @param outcome allow, deny or error
 * @param reason the access rule that allowed, or the stable code of the refusal
 * @param backend the backend that served the secret, or "-"
 * @param version the version served, or "-"
 * @param status the HTTP status sent
 * @param latencyMicros time from request to response
 * @param stale whether the value served was a stale copy (served while its backend failed); false
 *     until the cache serves stale values
 */
public record AuditEvent(
        Instant time,
        String requestId,
        String clientAddress,
        String subject,
        String sha256,
        String secretName,
        Outcome outcome,
        String reason,
        String backend,
        String version,
        int status,
        long latencyMicros,
        boolean stale) {

    public enum Outcome { ALLOW, DENY, ERROR }
}
