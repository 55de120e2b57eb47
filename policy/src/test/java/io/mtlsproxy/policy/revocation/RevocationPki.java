package io.mtlsproxy.policy.revocation;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.IdentityException;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.pki.KeyPairs;
import io.mtlsproxy.core.pki.PemFiles;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.TrustMaterial;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Per-test certificates and CRLs, around a fixed instant for CRL tests (OCSP tests pass the real one). */
final class RevocationPki {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    static final Duration SKEW = Duration.ofMinutes(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    private RevocationPki() {}

    static IssuedCertificate root(String subject) {
        return root(subject, NOW);
    }

    static IssuedCertificate root(String subject, Instant around) {
        return CertificateBuilder.ca(subject).validity(around.minus(Duration.ofDays(365)), around.plus(Duration.ofDays(3650))).selfSigned();
    }

    static IssuedCertificate intermediate(String subject, IssuedCertificate issuer) {
        return CertificateBuilder.ca(subject).validity(NOW.minus(Duration.ofDays(30)), NOW.plus(Duration.ofDays(1000))).signedBy(issuer);
    }

    static IssuedCertificate client(String subject, IssuedCertificate issuer) {
        return client(subject, issuer, NOW);
    }

    static IssuedCertificate client(String subject, IssuedCertificate issuer, Instant around) {
        return CertificateBuilder.client(subject).validity(around.minus(Duration.ofDays(1)), around.plus(Duration.ofDays(30))).signedBy(issuer);
    }

    static IssuedCertificate client(String subject, IssuedCertificate issuer, BigInteger serial) {
        return CertificateBuilder.client(subject).serial(serial)
                .validity(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30))).signedBy(issuer);
    }

    /** A client certificate naming a CRL distribution point and/or an OCSP responder (either may be null). */
    static IssuedCertificate clientWithUrls(String subject, IssuedCertificate issuer, URI crlDistributionPoint, URI ocsp, Instant around) {
        return clientWithUrls(subject, issuer, crlDistributionPoint, ocsp, around, null);
    }

    /** As above with a chosen serial (null for a random one). */
    static IssuedCertificate clientWithUrls(String subject, IssuedCertificate issuer, URI crlDistributionPoint, URI ocsp,
            Instant around, BigInteger serial) {
        return custom(subject, issuer, false, KeyUsage.digitalSignature, KeyPurposeId.id_kp_clientAuth, crlDistributionPoint, ocsp,
                around, serial);
    }

    /** A CA whose key usage lacks cRLSign. */
    static IssuedCertificate caWithoutCrlSign(String subject) {
        return custom(subject, null, true, KeyUsage.keyCertSign | KeyUsage.digitalSignature, null, null, null, NOW, null);
    }

    /** An OCSP responder certificate issued by the CA, with or without id-kp-OCSPSigning. */
    static IssuedCertificate ocspResponder(String subject, IssuedCertificate issuer, boolean ocspSigning, Instant around) {
        return custom(subject, issuer, false, KeyUsage.digitalSignature,
                ocspSigning ? KeyPurposeId.id_kp_OCSPSigning : KeyPurposeId.id_kp_clientAuth, null, null, around, null);
    }

    private static IssuedCertificate custom(String subject, IssuedCertificate issuer, boolean ca, int keyUsage, KeyPurposeId purpose,
            URI crlDistributionPoint, URI ocsp, Instant around, BigInteger serial) {
        try {
            KeyPair keys = KeyPairs.ecP256();
            KeyPair signerKeys = issuer == null ? keys : issuer.keyPair();
            javax.security.auth.x500.X500Principal subjectName = new javax.security.auth.x500.X500Principal(subject);
            javax.security.auth.x500.X500Principal issuerName = issuer == null ? subjectName : issuer.certificate().getSubjectX500Principal();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName,
                    serial != null ? serial : new BigInteger(64, RANDOM).add(BigInteger.ONE),
                    Date.from(around.minus(Duration.ofDays(1))), Date.from(around.plus(Duration.ofDays(30))), subjectName, keys.getPublic());
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(signerKeys.getPublic()));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            if (purpose != null) {
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            }
            if (crlDistributionPoint != null) {
                GeneralNames names = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, crlDistributionPoint.toString()));
                builder.addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {
                        new DistributionPoint(new DistributionPointName(names), null, null)}));
            }
            if (ocsp != null) {
                builder.addExtension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(
                        AccessDescription.id_ad_ocsp, new GeneralName(GeneralName.uniformResourceIdentifier, ocsp.toString())));
            }
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signerKeys.getPrivate())));
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(cert);
            if (issuer != null) {
                chain.addAll(issuer.chain());
            }
            return new IssuedCertificate(keys, chain);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static ClientIdentity identity(IssuedCertificate cert) {
        try {
            return ClientIdentity.of(cert.presentedChain());
        } catch (IdentityException e) {
            throw new AssertionError(e);
        }
    }

    static CheckContext at(Instant now) {
        return new CheckContext(now, SKEW);
    }

    static TrustMaterial trust(IssuedCertificate... anchors) {
        return TrustMaterial.of(List.of(anchors).stream().map(IssuedCertificate::certificate).toList(), List.of());
    }

    static CrlBuilder crl(IssuedCertificate issuer) {
        return new CrlBuilder(issuer);
    }

    /** Writes text or bytes and moves the modification time on, so a change is seen even within one clock tick. */
    static void write(Path file, byte[] content) {
        try {
            FileTime before = Files.exists(file) ? Files.getLastModifiedTime(file) : FileTime.fromMillis(0);
            Files.write(file, content);
            Files.setLastModifiedTime(file, FileTime.fromMillis(Math.max(before.toMillis() + 2000, System.currentTimeMillis())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, String text) {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A CRL, signed by its issuer unless told otherwise; valid from {@link #NOW} for a day by default. */
    static final class CrlBuilder {
        private final IssuedCertificate issuer;
        private final List<Object[]> entries = new ArrayList<>();
        private Instant thisUpdate = NOW;
        private Instant nextUpdate = NOW.plus(Duration.ofDays(1));
        private KeyPair signer;
        private BigInteger number;

        CrlBuilder(IssuedCertificate issuer) {
            this.issuer = issuer;
            this.signer = issuer.keyPair();
        }

        CrlBuilder thisUpdate(Instant instant) {
            this.thisUpdate = instant;
            return this;
        }

        CrlBuilder nextUpdate(Instant instant) {
            this.nextUpdate = instant;
            return this;
        }

        CrlBuilder number(long value) {
            this.number = BigInteger.valueOf(value);
            return this;
        }

        CrlBuilder revoke(IssuedCertificate cert, Instant when, int reason) {
            entries.add(new Object[] {cert.certificate().getSerialNumber(), when, reason});
            return this;
        }

        CrlBuilder revoke(IssuedCertificate cert) {
            return revoke(cert, NOW.minus(Duration.ofHours(1)), org.bouncycastle.asn1.x509.CRLReason.keyCompromise);
        }

        /** Signed with another key than the issuer's: a forged CRL. */
        CrlBuilder signedWith(KeyPair keys) {
            this.signer = keys;
            return this;
        }

        X509CRL build() {
            try {
                X509v2CRLBuilder builder = new JcaX509v2CRLBuilder(issuer.certificate().getSubjectX500Principal(), Date.from(thisUpdate));
                if (nextUpdate != null) {
                    builder.setNextUpdate(Date.from(nextUpdate));
                }
                for (Object[] entry : entries) {
                    builder.addCRLEntry((BigInteger) entry[0], Date.from((Instant) entry[1]), (Integer) entry[2]);
                }
                if (number != null) {
                    builder.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
                }
                return new JcaX509CRLConverter().getCRL(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        byte[] der() {
            try {
                return build().getEncoded();
            } catch (java.security.cert.CRLException e) {
                throw new IllegalStateException(e);
            }
        }

        String pem() {
            return PemFiles.toPem(build());
        }
    }
}
