package io.mtlsproxy.core.secret;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What Azure Table storage accepts as a PartitionKey, RowKey, table or property name, checked
 * by the config validation and again by the Table backend on every key it builds.
 *
 * <p>A key may not contain '/', '\\', '#', '?' or control characters (U+0000 to U+001F and
 * U+007F to U+009F) and is at most 1 KiB: the service refuses the rest, and those characters
 * change the meaning of the entity URL {@code Table(PartitionKey='..',RowKey='..')}. Quotes are
 * allowed: the SDK doubles them inside the URL's string literals.
 */
public final class TableKeys {
    /** The service's bound is 1 KiB of UTF-16; characters keep it simple and safe. */
    public static final int MAX_KEY_LENGTH = 512;

    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9]{2,62}");
    private static final Pattern PROPERTY_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,254}");

    private TableKeys() {}

    /** Empty when {@code key} is a usable PartitionKey or RowKey, otherwise why not (never the key itself). */
    public static Optional<String> keyProblem(String key) {
        if (key == null || key.isEmpty()) {
            return Optional.of("is empty");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            return Optional.of("is longer than " + MAX_KEY_LENGTH + " characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '/' || c == '\\' || c == '#' || c == '?') {
                return Optional.of("contains '" + c + "', which Table storage does not allow in keys");
            }
            if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) {
                return Optional.of("contains a control character, which Table storage does not allow in keys");
            }
        }
        return Optional.empty();
    }

    /** Table names: a letter, then letters and digits, 3 to 63 in all. */
    public static boolean isTableName(String name) {
        return name != null && TABLE_NAME.matcher(name).matches()
                && !name.toLowerCase(Locale.ROOT).equals("tables"); // reserved by the service
    }

    /** Property names: C# identifiers of at most 255 characters, not one of the system properties. */
    public static boolean isPropertyName(String name) {
        return name != null && PROPERTY_NAME.matcher(name).matches() && !isSystemProperty(name);
    }

    /** PartitionKey, RowKey and Timestamp: the service's, never a secret's content. */
    public static boolean isSystemProperty(String name) {
        return name.equals("PartitionKey") || name.equals("RowKey") || name.equals("Timestamp");
    }
}
