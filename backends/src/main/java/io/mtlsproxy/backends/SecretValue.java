package io.mtlsproxy.backends;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A secret as read from a backend. {@link #toString()} leaves the value out, so a secret that
 * lands in a log line or an assertion message does not leak.
 *
 * @param name the secret's name
 * @param value the secret itself
 * @param version the backend's version, or one derived from the value (never null, so a
 *     response can always carry an ETag)
 * @param backend the name of the backend that served it
 * @param backendType the kind of that backend, e.g. {@code appsettings} (the origin's Workload)
 * @param fields the secret as a structured object, for stores whose secrets are records (a Table
 *     row: its properties minus the system ones); empty for the others. Values are JSON-ready:
 *     strings, numbers and booleans. Holds secret content, so it is left out of {@link #toString()}.
 */
public record SecretValue(String name, String value, String version, String backend, String backendType,
        Map<String, Object> fields) {
    public SecretValue {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(backendType, "backendType");
        // insertion order kept: the origin route shows the row's properties in the store's order
        fields = fields == null || fields.isEmpty()
                ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** A plain-text secret, without structured content. */
    public SecretValue(String name, String value, String version, String backend, String backendType) {
        this(name, value, version, backend, backendType, Map.of());
    }

    /**
     * A value from a backend that keeps no versions: the version is the first 16 hex characters
     * of the SHA-256 of the value, so it changes exactly when the value does.
     */
    public static SecretValue withDerivedVersion(String name, String value, String backend, String backendType) {
        return new SecretValue(name, value, derivedVersion(value), backend, backendType);
    }

    /** The first 16 hex characters of the SHA-256 of {@code text}: a version for stores that keep none. */
    public static String derivedVersion(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "SecretValue[name=" + name + ", version=" + version + ", backend=" + backend
                + ", backendType=" + backendType + (fields.isEmpty() ? "" : ", fields=" + fields.size()) + "]";
    }
}
