package io.mtlsproxy.core.secret;

import java.util.Optional;

/**
 * The one definition of a secret version a client may ask for ({@code ?version=}), shared by the
 * HTTP layer and the backends.
 *
 * <p>1 to 128 characters; letters, digits, '-', '_' and '.'. That covers Key Vault's 32 hex
 * digits and the 16 hex digits derived for stores without versions, and keeps the value safe
 * inside a quoted ETag, a log line and a URL path segment.
 */
public final class SecretVersions {
    public static final int MAX_LENGTH = 128;

    private SecretVersions() {}

    /** Empty when the version is valid, otherwise why it is not (safe to show the client). */
    public static Optional<String> problem(String version) {
        if (version == null || version.isEmpty()) {
            return Optional.of("version is empty");
        }
        if (version.length() > MAX_LENGTH) {
            return Optional.of("version is longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < version.length(); i++) {
            char c = version.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.';
            if (!allowed) {
                return Optional.of("version may contain only letters, digits, '-', '_' and '.'");
            }
        }
        return Optional.empty();
    }

    public static boolean isValid(String version) {
        return problem(version).isEmpty();
    }
}
