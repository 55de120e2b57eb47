package io.mtlsproxy.server.tls;

import io.mtlsproxy.policy.RejectReason;
import io.netty.internal.tcnative.CertificateVerifier;

/**
 * Maps a policy refusal to the X509_V_ERR code handed back to BoringSSL, which turns it into the
 * TLS alert the device receives. The mapping follows what OpenSSL/nginx send for the same fault,
 * so a device sees the same alert whichever gateway refused it.
 */
final class HandshakeAlerts {
    private HandshakeAlerts() {}

    static int verifyError(RejectReason reason) {
        return switch (reason) {
            // unknown_ca
            case UNKNOWN_CA -> CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT;
            // certificate_expired
            case EXPIRED -> CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED;
            // unsupported_certificate: OpenSSL's alert for a certificate whose purpose is wrong
            case WRONG_KEY_USAGE -> CertificateVerifier.X509_V_ERR_INVALID_PURPOSE;
            // certificate_revoked
            case REVOKED -> CertificateVerifier.X509_V_ERR_CERT_REVOKED;
            // bad_certificate: not yet valid, refused by allowlist, unreadable, broken signature
            default -> CertificateVerifier.X509_V_ERR_CERT_REJECTED;
        };
    }

    /** The TLS alert name that {@link #verifyError} produces, for logs. */
    static String alertName(RejectReason reason) {
        return switch (reason) {
            case UNKNOWN_CA -> "unknown_ca";
            case EXPIRED -> "certificate_expired";
            case WRONG_KEY_USAGE -> "unsupported_certificate";
            case REVOKED -> "certificate_revoked";
            case NO_CERTIFICATE -> "certificate_required";
            default -> "bad_certificate";
        };
    }
}
