package io.mtlsproxy.policy;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.IdentityException;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Per-test certificates around a fixed instant, so no test depends on the real date. */
final class TestPki {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    static final Duration SKEW = Duration.ofMinutes(1);

    private TestPki() {}

    static IssuedCertificate root(String subject) {
        return CertificateBuilder.ca(subject).validity(NOW.minus(Duration.ofDays(365)), NOW.plus(Duration.ofDays(3650))).selfSigned();
    }

    static IssuedCertificate intermediate(String subject, IssuedCertificate issuer) {
        return CertificateBuilder.ca(subject).validity(NOW.minus(Duration.ofDays(30)), NOW.plus(Duration.ofDays(1000))).signedBy(issuer);
    }

    /** A client certificate (EKU clientAuth) valid from a day before {@link #NOW} for 30 days. */
    static CertificateBuilder client(String subject) {
        return CertificateBuilder.client(subject).validity(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)));
    }

    static ClientIdentity identity(IssuedCertificate cert) {
        return identity(cert.presentedChain());
    }

    static ClientIdentity identity(List<X509Certificate> chain) {
        try {
            return ClientIdentity.of(chain);
        } catch (IdentityException e) {
            throw new AssertionError(e);
        }
    }

    static CheckContext now() {
        return new CheckContext(NOW, SKEW);
    }

    static TrustMaterial trust(IssuedCertificate... anchors) {
        return TrustMaterial.of(List.of(anchors).stream().map(IssuedCertificate::certificate).toList(), List.of());
    }
}
