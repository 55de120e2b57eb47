package io.mtlsproxy.core.pki;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues X.509 certificates with BouncyCastle: roots, intermediates, server and client
 * certificates, including deliberately broken ones (expired, wrong EKU) for tests.
 *
 * <pre>{@code
 * IssuedCertificate root = CertificateBuilder.ca("CN=Devices Root").selfSigned();
 * IssuedCertificate device = CertificateBuilder.client("CN=kiosk-1").signedBy(root);
 * }</pre>
 */
public final class CertificateBuilder {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X500Principal subject;
    private KeyPair keyPair;
    private Instant notBefore = Instant.now().minus(Duration.ofMinutes(5));
    private Instant notAfter = Instant.now().plus(Duration.ofDays(365));
    private boolean ca;
    private Integer pathLength;
    private final List<KeyPurposeId> extendedKeyUsages = new ArrayList<>();
    private final List<GeneralName> subjectAltNames = new ArrayList<>();
    private String signatureAlgorithm;
    private BigInteger serial;

    private CertificateBuilder(String subject) {
        this.subject = new X500Principal(subject);
    }

    /** A certificate authority (root when self-signed, intermediate when signed by another). */
    public static CertificateBuilder ca(String subject) {
        CertificateBuilder builder = new CertificateBuilder(subject);
        builder.ca = true;
        builder.notAfter = Instant.now().plus(Duration.ofDays(3650));
        return builder;
    }

    /** A TLS client certificate: EKU clientAuth. */
    public static CertificateBuilder client(String subject) {
        return new CertificateBuilder(subject).extendedKeyUsage(KeyPurposeId.id_kp_clientAuth);
    }

    /** A TLS server certificate: EKU serverAuth. Add names with {@link #dns} and {@link #ip}. */
    public static CertificateBuilder server(String subject) {
        return new CertificateBuilder(subject).extendedKeyUsage(KeyPurposeId.id_kp_serverAuth);
    }

    /** A leaf with no extended key usage at all. */
    public static CertificateBuilder leaf(String subject) {
        return new CertificateBuilder(subject);
    }

    public CertificateBuilder keyPair(KeyPair keyPair) {
        this.keyPair = keyPair;
        return this;
    }

    public CertificateBuilder validity(Instant notBefore, Instant notAfter) {
        this.notBefore = notBefore;
        this.notAfter = notAfter;
        return this;
    }

    public CertificateBuilder validFor(Duration duration) {
        return validity(Instant.now().minus(Duration.ofMinutes(5)), Instant.now().plus(duration));
    }

    public CertificateBuilder pathLength(int pathLength) {
        this.pathLength = pathLength;
        return this;
    }

    public CertificateBuilder serial(BigInteger serial) {
        this.serial = serial;
        return this;
    }

    /** Replaces the extended key usages. */
    public CertificateBuilder extendedKeyUsage(KeyPurposeId... purposes) {
        extendedKeyUsages.clear();
        extendedKeyUsages.addAll(List.of(purposes));
        return this;
    }

    public CertificateBuilder dns(String... names) {
        for (String name : names) {
            subjectAltNames.add(new GeneralName(GeneralName.dNSName, name));
        }
        return this;
    }

    public CertificateBuilder ip(String... addresses) {
        for (String address : addresses) {
            subjectAltNames.add(new GeneralName(GeneralName.iPAddress, address));
        }
        return this;
    }

    public CertificateBuilder uri(String... uris) {
        for (String uri : uris) {
            subjectAltNames.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
        }
        return this;
    }

    public CertificateBuilder email(String... emails) {
        for (String email : emails) {
            subjectAltNames.add(new GeneralName(GeneralName.rfc822Name, email));
        }
        return this;
    }

    public CertificateBuilder signatureAlgorithm(String algorithm) {
        this.signatureAlgorithm = algorithm;
        return this;
    }

    public IssuedCertificate selfSigned() {
        KeyPair pair = keyPairOrNew();
        X509Certificate cert = build(pair, subject, pair);
        return new IssuedCertificate(pair, List.of(cert));
    }

    public IssuedCertificate signedBy(IssuedCertificate issuer) {
        Objects.requireNonNull(issuer, "issuer");
        KeyPair pair = keyPairOrNew();
        X509Certificate cert = build(pair, issuer.certificate().getSubjectX500Principal(), issuer.keyPair());
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(cert);
        chain.addAll(issuer.chain());
        return new IssuedCertificate(pair, chain);
    }

    private KeyPair keyPairOrNew() {
        return keyPair != null ? keyPair : KeyPairs.ecP256();
    }

    private X509Certificate build(KeyPair subjectKeys, X500Principal issuer, KeyPair issuerKeys) {
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            BigInteger serialNumber = serial != null ? serial : new BigInteger(127, RANDOM).add(BigInteger.ONE);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    issuer, serialNumber, Date.from(notBefore), Date.from(notAfter), subject, subjectKeys.getPublic());
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(subjectKeys.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    extensions.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
            if (ca) {
                builder.addExtension(Extension.basicConstraints, true,
                        pathLength == null ? new BasicConstraints(true) : new BasicConstraints(pathLength));
                builder.addExtension(Extension.keyUsage, true,
                        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            } else {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                int usage = KeyUsage.digitalSignature;
                if ("RSA".equals(subjectKeys.getPublic().getAlgorithm())) {
                    usage |= KeyUsage.keyEncipherment;
                }
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
            }
            if (!extendedKeyUsages.isEmpty()) {
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(extendedKeyUsages.toArray(KeyPurposeId[]::new)));
            }
            if (!subjectAltNames.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(subjectAltNames.toArray(GeneralName[]::new)));
            }
            ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithmFor(issuerKeys))
                    .build(issuerKeys.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue certificate for " + subject.getName(), e);
        }
    }

    private String signatureAlgorithmFor(KeyPair issuerKeys) {
        if (signatureAlgorithm != null) {
            return signatureAlgorithm;
        }
        return "RSA".equals(issuerKeys.getPrivate().getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
    }

    /** OIDs for callers that want to set unusual purposes without importing BouncyCastle. */
    public static KeyPurposeId purpose(String oid) {
        return KeyPurposeId.getInstance(new ASN1ObjectIdentifier(oid));
    }
}
