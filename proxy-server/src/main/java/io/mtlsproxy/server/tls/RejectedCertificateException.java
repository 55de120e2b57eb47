package io.mtlsproxy.server.tls;

import io.mtlsproxy.policy.RejectReason;
import java.security.cert.CertificateException;

/** A client certificate refused by policy (JDK provider path; BoringSSL gets an error code instead). */
public final class RejectedCertificateException extends CertificateException {
    private final transient RejectReason reason;

    RejectedCertificateException(String message, RejectReason reason) {
        super(message);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
