package io.mtlsproxy.policy;

import java.util.Locale;

/**
 * Why a client certificate was refused. The server maps each reason to a TLS alert and a metric
 * tag; {@link #code()} is the stable name used for both.
 *
 * <p>More reasons will be added (revocation, Entra device checks), so callers that switch on this
 * enum need a default branch.
 */
public enum RejectReason {
    /** The client sent no certificate. */
    NO_CERTIFICATE,
    /** The certificate could not be parsed. */
    UNREADABLE_CERTIFICATE,
    /** No path from the certificate to a configured trust anchor. */
    UNKNOWN_CA,
    /** The certificate (or a certificate of its chain) is past its notAfter, beyond the clock skew. */
    EXPIRED,
    /** The certificate (or a certificate of its chain) is before its notBefore, beyond the clock skew. */
    NOT_YET_VALID,
    /** The leaf may not be used for TLS client authentication. */
    WRONG_KEY_USAGE,
    /** The leaf's thumbprint is not on the allowlist. */
    NOT_ALLOWLISTED,
    /** The chain leads to an anchor but is broken: bad signature, a non-CA issuer, a weak algorithm... */
    BAD_CERTIFICATE;

    private final String code;

    RejectReason() {
        this.code = name().toLowerCase(Locale.ROOT);
    }

    /** Lower snake case, e.g. {@code unknown_ca}; never changes meaning once released. */
    public String code() {
        return code;
    }
}
