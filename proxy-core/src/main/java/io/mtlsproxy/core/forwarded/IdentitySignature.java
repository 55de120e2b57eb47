package io.mtlsproxy.core.forwarded;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The signing input and MAC shared by the writer ({@link IdentityHeaders}) and {@link IdentityHeaderVerifier}. */
final class IdentitySignature {
    static final String ALGORITHM = "HmacSHA256";
    static final int MIN_KEY_BYTES = 32;
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final Mac prototype;

    IdentitySignature(byte[] key) {
        if (key == null || key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("an identity-header signing key must be at least " + MIN_KEY_BYTES + " bytes");
        }
        try {
            prototype = Mac.getInstance(ALGORITHM);
            prototype.init(new SecretKeySpec(key, ALGORITHM));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " unavailable", e);
        }
    }

    /**
     * {@code t "\n" METHOD "\n" pathAndQuery "\n"}, then {@code name ":" value "\n"} per signed header, in
     * order, as UTF-8.
     */
    static byte[] input(long t, String method, String pathAndQuery, List<IdentityHeaders.Header> headers) {
        requireLine(method, "method");
        requireLine(pathAndQuery, "pathAndQuery");
        StringBuilder text = new StringBuilder(256);
        text.append(t).append('\n').append(method).append('\n').append(pathAndQuery).append('\n');
        for (IdentityHeaders.Header header : headers) {
            requireLine(header.value(), header.name());
            text.append(header.name()).append(':').append(header.value()).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    byte[] mac(byte[] input) {
        Mac mac;
        try {
            mac = (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(ALGORITHM + " cannot be cloned", e);
        }
        return mac.doFinal(input);
    }

    static String encode(byte[] mac) {
        return BASE64URL.encodeToString(mac);
    }

    private static void requireLine(String text, String what) {
        if (text == null || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
            throw new IllegalArgumentException(what + " must be one line");
        }
    }
}
