package io.mtlsproxy.policy.rules;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.IdentityException;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Per-test certificates around a fixed instant (the rules' tests; see the policy package's TestPki). */
final class RulesPki {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    static final CheckContext AT_NOW = new CheckContext(NOW, Duration.ofMinutes(1));

    private RulesPki() {}

    static IssuedCertificate root(String subject) {
        return CertificateBuilder.ca(subject).validity(NOW.minus(Duration.ofDays(365)), NOW.plus(Duration.ofDays(3650))).selfSigned();
    }

    static IssuedCertificate intermediate(String subject, IssuedCertificate issuer) {
        return CertificateBuilder.ca(subject).validity(NOW.minus(Duration.ofDays(30)), NOW.plus(Duration.ofDays(1000))).signedBy(issuer);
    }

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

    static CheckResult run(CertificateCheck check, IssuedCertificate cert) {
        return check.check(identity(cert), AT_NOW);
    }

    static CheckResult run(CertificateCheck check, ClientIdentity identity) {
        return check.check(identity, AT_NOW);
    }

    /** A client certificate with one extra (non-critical) extension, issued by the root with BouncyCastle directly. */
    static ClientIdentity withExtension(IssuedCertificate issuer, String oid, ASN1Encodable value) {
        try {
            IssuedCertificate template = client("CN=ext").signedBy(issuer);
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    issuer.certificate().getSubjectX500Principal(), BigInteger.TEN, Date.from(NOW.minus(Duration.ofDays(1))),
                    Date.from(NOW.plus(Duration.ofDays(1))), new X500Principal("CN=ext"), template.keyPair().getPublic());
            builder.addExtension(new ASN1ObjectIdentifier(oid), false, value);
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.keyPair().getPrivate())));
            return identity(List.of(cert));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
