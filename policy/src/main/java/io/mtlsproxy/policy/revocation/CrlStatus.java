package io.mtlsproxy.policy.revocation;

import java.util.Objects;

/**
 * What the CRLs say about a certificate (or a chain).
 *
 * @param kind the verdict
 * @param detail for operators: which CRL, revocation date and reason, why the status is unknown
 * @param key what the verdict is about (an issuer, a source), so an outage is logged once, not per handshake
 */
public record CrlStatus(Kind kind, String detail, String key) {
    /** A fresh CRL of the issuer covers the certificate and does not list it. */
    public static final CrlStatus GOOD = new CrlStatus(Kind.GOOD, "not revoked", "");
    /** No CRL is configured (or published) for the certificate's issuer: nothing to check. */
    public static final CrlStatus NOT_COVERED = new CrlStatus(Kind.NOT_COVERED, "no CRL covers this issuer", "");

    public enum Kind {
        GOOD,
        NOT_COVERED,
        REVOKED,
        /** The CRL that should speak for the certificate is stale, not loaded yet, or failed to load. */
        UNKNOWN
    }

    public CrlStatus {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(key, "key");
    }

    static CrlStatus revoked(String detail) {
        return new CrlStatus(Kind.REVOKED, detail, "");
    }

    static CrlStatus unknown(String key, String detail) {
        return new CrlStatus(Kind.UNKNOWN, detail, key);
    }
}
