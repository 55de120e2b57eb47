package io.mtlsproxy.core.identity;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/** Certificate fingerprints in the forms operators paste into config. */
public final class Thumbprints {
    private static final HexFormat HEX = HexFormat.of();

    private Thumbprints() {}

    public static byte[] sha256(byte[] data) {
        return newSha256().digest(data);
    }

    public static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 unavailable", e);
        }
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    public static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    /** Base64 SHA-256 of the certificate's SubjectPublicKeyInfo DER. */
    public static String spkiSha256(X509Certificate cert) {
        return Base64.getEncoder().encodeToString(sha256(cert.getPublicKey().getEncoded()));
    }

    public static String sha256Hex(X509Certificate cert) {
        try {
            return hex(sha256(cert.getEncoded()));
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static String sha1Hex(X509Certificate cert) {
        try {
            return hex(sha1(cert.getEncoded()));
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * Normalizes a thumbprint as operators write it (any case, optional colons, spaces or a
     * leading invisible mark copied from the Windows certificate dialog) to lower-case hex.
     * Empty when the text is not 40 (SHA-1) or 64 (SHA-256) hex digits.
     */
    public static Optional<String> normalize(String text) {
        if (text == null) {
            return Optional.empty();
        }
        StringBuilder hex = new StringBuilder(64);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
                // ASCII only: Character.digit would also take full-width and other scripts' digits
                hex.append(Character.toLowerCase(c));
            } else if (c != ':' && c != ' ' && c != '\u200e' && c != '\u200f' && c != '\ufeff' && c != '\t') {
                return Optional.empty();
            }
        }
        return hex.length() == 40 || hex.length() == 64
                ? Optional.of(hex.toString().toLowerCase(Locale.ROOT))
                : Optional.empty();
    }
}
