package io.mtlsproxy.policy.entra;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.IdentityException;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.pki.KeyPairs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Entra-shaped certificates for the tests, and the device key exactly as Entra registers it,
 * computed here from the key's own numbers rather than through the code under test.
 */
public final class EntraPki {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    static final String ISSUER = "CN=MS-Organization-Access";
    /** The issuer name real Entra device certificates carry. */
    public static final String REAL_ISSUER = "OU=82dbaca4-3e81-46ca-9c73-0950c1eaca97,CN=MS-Organization-Access,DC=windows,DC=net";

    private EntraPki() {}

    static IssuedCertificate organizationAccessCa() {
        return ca(ISSUER);
    }

    static IssuedCertificate ca(String subject) {
        return CertificateBuilder.ca(subject)
                .validity(NOW.minus(Duration.ofDays(365)), NOW.plus(Duration.ofDays(3650)))
                .selfSigned();
    }

    /** A device certificate like Windows gets at join: CN = device id, RSA 2048. */
    static IssuedCertificate rsaDevice(String deviceId, IssuedCertificate ca) {
        return CertificateBuilder.client("CN=" + deviceId)
                .keyPair(KeyPairs.rsa(2048))
                .validity(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(3650)))
                .signedBy(ca);
    }

    static IssuedCertificate ecDevice(String deviceId, IssuedCertificate ca) {
        return CertificateBuilder.client("CN=" + deviceId)
                .keyPair(KeyPairs.ecP256())
                .validity(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(3650)))
                .signedBy(ca);
    }

    static String newDeviceId() {
        return UUID.randomUUID().toString();
    }

    static ClientIdentity identity(IssuedCertificate cert) {
        try {
            return ClientIdentity.of(cert.presentedChain());
        } catch (IdentityException e) {
            throw new AssertionError(e);
        }
    }

    /** The alternativeSecurityIds key Entra registers for this certificate (base64 of UTF-16LE text). */
    public static String entraKey(X509Certificate cert) {
        return entraKey(sha1Hex(cert), publicKeyHash(cert.getPublicKey()));
    }

    static String entraKey(String sha1Hex, String publicKeyHash) {
        String text = "X509:<SHA1-TP-PUBKEY>" + sha1Hex + publicKeyHash;
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_16LE));
    }

    static String sha1Hex(X509Certificate cert) {
        try {
            return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-1").digest(cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** Base64 SHA-256 over the subjectPublicKey BIT STRING contents, built from the key's numbers. */
    static String publicKeyHash(PublicKey key) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(subjectPublicKeyBits(key)));
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] subjectPublicKeyBits(PublicKey key) {
        if (key instanceof ECPublicKey ec) { // an uncompressed point: 04 || X || Y
            int size = (ec.getParams().getCurve().getField().getFieldSize() + 7) / 8;
            byte[] bits = new byte[1 + 2 * size];
            bits[0] = 4;
            copyUnsigned(ec.getW().getAffineX(), bits, 1, size);
            copyUnsigned(ec.getW().getAffineY(), bits, 1 + size, size);
            return bits;
        }
        if (key instanceof RSAPublicKey rsa) { // RSAPublicKey ::= SEQUENCE { modulus, publicExponent }
            try {
                return new org.bouncycastle.asn1.pkcs.RSAPublicKey(rsa.getModulus(), rsa.getPublicExponent()).getEncoded();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalArgumentException("unsupported key " + key.getAlgorithm());
    }

    private static void copyUnsigned(BigInteger value, byte[] target, int offset, int size) {
        byte[] bytes = value.toByteArray();
        int start = bytes.length > size ? bytes.length - size : 0;
        int length = bytes.length - start;
        System.arraycopy(bytes, start, target, offset + size - length, length);
    }
}
