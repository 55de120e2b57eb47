package io.mtlsproxy.policy.entra;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.Thumbprints;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * The key Entra registers for a device certificate: the {@code alternativeSecurityIds} entry of
 * type 2, whose {@code key} is base64 of the UTF-16LE text {@code X509:<SHA1-TP-PUBKEY>} followed
 * by the certificate's SHA-1 thumbprint (40 hex digits) and the base64 SHA-256 of the
 * subjectPublicKey BIT STRING contents (not of the whole SubjectPublicKeyInfo).
 */
final class DeviceKey {
    static final int TYPE_X509 = 2;
    static final String PREFIX = "X509:<SHA1-TP-PUBKEY>";

    private DeviceKey() {}

    /** Base64 SHA-256 over the subjectPublicKey bits of the certificate, as Entra hashes them. */
    static String publicKeyHash(X509Certificate certificate) {
        byte[] bits = SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded())
                .getPublicKeyData()
                .getBytes();
        return Base64.getEncoder().encodeToString(Thumbprints.sha256(bits));
    }

    /**
     * Compares the device's registered keys with the certificate. Empty when one type-2 entry
     * matches on both thumbprint and key hash; otherwise why not, for operators.
     */
    static String mismatch(List<GraphDevice.AlternativeSecurityId> ids, ClientIdentity identity) {
        String hash = publicKeyHash(identity.leaf());
        String firstProblem = null;
        int candidates = 0;
        for (GraphDevice.AlternativeSecurityId id : ids) {
            if (id.type() == null || id.type() != TYPE_X509) {
                continue;
            }
            candidates++;
            String problem = compare(id.key(), identity.sha1(), hash);
            if (problem.isEmpty()) {
                return "";
            }
            if (firstProblem == null) {
                firstProblem = problem;
            }
        }
        if (candidates == 0) {
            return "the device has no X509 key (alternativeSecurityIds type 2)";
        }
        return firstProblem;
    }

    private static String compare(String base64Key, String sha1, String hash) {
        if (base64Key == null) {
            return "the registered key is empty";
        }
        String text;
        try {
            text = new String(Base64.getMimeDecoder().decode(base64Key), StandardCharsets.UTF_16LE);
        } catch (IllegalArgumentException e) {
            return "the registered key is not base64";
        }
        text = strip(text);
        if (!text.startsWith(PREFIX) || text.length() < PREFIX.length() + 40) {
            return "the registered key is not an X509:<SHA1-TP-PUBKEY> key";
        }
        String registeredThumbprint = text.substring(PREFIX.length(), PREFIX.length() + 40);
        String registeredHash = text.substring(PREFIX.length() + 40);
        boolean thumbprintMatches = registeredThumbprint.toLowerCase(Locale.ROOT).equals(sha1);
        boolean hashMatches = registeredHash.equals(hash);
        if (thumbprintMatches && hashMatches) {
            return "";
        }
        if (!thumbprintMatches && !hashMatches) {
            return "registered thumbprint " + registeredThumbprint.toUpperCase(Locale.ROOT)
                    + " and key hash differ from the certificate's";
        }
        return thumbprintMatches
                ? "registered public-key hash " + registeredHash + " differs from the certificate's " + hash
                : "registered thumbprint " + registeredThumbprint.toUpperCase(Locale.ROOT)
                        + " differs from the certificate's " + sha1.toUpperCase(Locale.ROOT);
    }

    /** Drops the NUL terminators and spaces some registrations carry. */
    private static String strip(String text) {
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == '\0' || Character.isWhitespace(text.charAt(end - 1)))) {
            end--;
        }
        return text.substring(0, end);
    }
}
