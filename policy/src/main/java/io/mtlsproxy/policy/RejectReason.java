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
    /** The chain leads to an anchor but is broken: bad signature, a non-CA issuer... */
    BAD_CERTIFICATE,
    /** A subject, issuer, SAN, serial, extension or pin rule does not match. */
    RULE_MISMATCH,
    /** The key is weaker than the policy allows (e.g. RSA below 2048 bits, EC below P-256). */
    WEAK_KEY,
    /** A certificate of the chain is signed with a forbidden algorithm (e.g. SHA-1). */
    WEAK_SIGNATURE,
    /** The chain has more certificates than the policy allows. */
    CHAIN_TOO_LONG,
    /** Revoked by a CRL, an OCSP responder or the local deny list. */
    REVOKED,
    /** Revocation status could not be established and the policy fails closed (stale or unreachable CRL, OCSP down). */
    REVOCATION_UNKNOWN,
    /** Entra: the certificate is not a device certificate of the configured issuer, or its CN is not a device id. */
    ENTRA_NOT_DEVICE_CERTIFICATE,
    /** Entra: no device with this id exists in the directory. */
    ENTRA_DEVICE_UNKNOWN,
    /** Entra: the device exists but is disabled (accountEnabled false). */
    ENTRA_DEVICE_DISABLED,
    /** Entra: the device's registered key (alternativeSecurityIds) does not match this certificate. */
    ENTRA_KEY_MISMATCH,
    /** Entra: the device fails a required property (trustType, isCompliant, isManaged). */
    ENTRA_DEVICE_NOT_COMPLIANT,
    /** Entra: Microsoft Graph could not be asked (outage, throttling, timeout); a retryable outcome, not a denial. */
    ENTRA_UNAVAILABLE;

    private final String code;

    RejectReason() {
        this.code = name().toLowerCase(Locale.ROOT);
    }

    /** Lower snake case, e.g. {@code unknown_ca}; never changes meaning once released. */
    public String code() {
        return code;
    }

    /**
     * True for outcomes that say "could not decide now" rather than "no": the client gets 503 with
     * a retry hint instead of a refusal, and the result is never cached.
     */
    public boolean isRetryable() {
        return this == ENTRA_UNAVAILABLE;
    }
}
