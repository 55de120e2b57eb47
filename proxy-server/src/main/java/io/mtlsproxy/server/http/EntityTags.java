package io.mtlsproxy.server.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * ETags of secrets and the {@code If-None-Match} test (RFC 9110 8.8.3, 13.1.2): the tag is the
 * secret's version, so a device that polls with the ETag it has gets a 304 until the secret is
 * rotated. Comparison is weak, as If-None-Match requires: {@code W/"v"} matches {@code "v"}.
 */
final class EntityTags {
    private EntityTags() {}

    /**
     * {@code "<version>"}; a version with characters an entity tag cannot hold (a quote, a space,
     * non-ASCII) is replaced by a digest of it, so the tag stays valid and still changes with it.
     */
    static String of(String version) {
        for (int i = 0; i < version.length(); i++) {
            char c = version.charAt(i);
            if (c <= 0x20 || c == '"' || c >= 0x7f) {
                return '"' + digest(version) + '"';
            }
        }
        return '"' + version + '"';
    }

    /**
     * Whether an {@code If-None-Match} value matches {@code etag}: {@code *}, or any entry of the
     * comma-separated list, weak or strong. Malformed entries match nothing.
     */
    static boolean matches(String ifNoneMatch, String etag) {
        int i = 0;
        int n = ifNoneMatch.length();
        while (i < n) {
            char c = ifNoneMatch.charAt(i);
            if (c == ' ' || c == '\t' || c == ',') {
                i++;
                continue;
            }
            if (c == '*') {
                return true;
            }
            int start = i;
            if (ifNoneMatch.startsWith("W/", i)) {
                start = i + 2;
            }
            if (start >= n || ifNoneMatch.charAt(start) != '"') {
                i = skipToComma(ifNoneMatch, i);
                continue;
            }
            int end = ifNoneMatch.indexOf('"', start + 1);
            if (end < 0) {
                return false;
            }
            if (end - start + 1 == etag.length() && ifNoneMatch.regionMatches(start, etag, 0, etag.length())) {
                return true;
            }
            i = end + 1;
        }
        return false;
    }

    private static int skipToComma(String value, int from) {
        int comma = value.indexOf(',', from);
        return comma < 0 ? value.length() : comma + 1;
    }

    private static String digest(String version) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(version.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, 22);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
