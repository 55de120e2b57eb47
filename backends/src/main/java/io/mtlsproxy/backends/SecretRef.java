package io.mtlsproxy.backends;

import java.util.Objects;

/**
 * What a caller asks a backend for: a secret by name, optionally at one version. Also the cache
 * key, so it stays a small record with value equality.
 *
 * <p>The name is not validated here: every backend re-checks it against
 * {@link io.mtlsproxy.core.secret.SecretNames}, and a ref is how an invalid name reaches them.
 *
 * @param name the secret's name
 * @param version a version as reported in {@link SecretValue#version()}, or null for the latest
 */
public record SecretRef(String name, String version) {
    public SecretRef {
        Objects.requireNonNull(name, "name");
    }

    public static SecretRef latest(String name) {
        return new SecretRef(name, null);
    }

    /** True when {@code value} is what this ref asks for: any version for a latest ref. */
    boolean accepts(SecretValue value) {
        return version == null || version.equals(value.version());
    }
}
