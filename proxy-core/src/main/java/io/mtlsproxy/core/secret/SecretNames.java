package io.mtlsproxy.core.secret;

import java.util.Optional;

/**
 * The one definition of a valid secret name, shared by the HTTP layer and every backend.
 *
 * <p>1 to 127 characters; letters, digits, '-', '_' and '.'; the first character a letter or
 * digit. That is Key Vault's alphabet plus '_' and '.', which environment-variable and file
 * backends need, and it leaves no room for path traversal ('/', '\\', a leading '.') or control
 * characters.
 */
public final class SecretNames {
    public static final int MAX_LENGTH = 127;

    private SecretNames() {}

    /** Empty when the name is valid, otherwise why it is not (safe to show the client). */
    public static Optional<String> problem(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of("secret name is empty");
        }
        if (name.length() > MAX_LENGTH) {
            return Optional.of("secret name is longer than " + MAX_LENGTH + " characters");
        }
        if (!isAlphanumeric(name.charAt(0))) {
            return Optional.of("secret name must start with a letter or digit");
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isAlphanumeric(c) && c != '-' && c != '_' && c != '.') {
                return Optional.of("secret name may contain only letters, digits, '-', '_' and '.'");
            }
        }
        return Optional.empty();
    }

    public static boolean isValid(String name) {
        return problem(name).isEmpty();
    }

    private static boolean isAlphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
