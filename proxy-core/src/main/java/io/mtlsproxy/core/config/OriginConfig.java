package io.mtlsproxy.core.config;

import java.util.Objects;

/**
 * The route of the Azure Function this gateway replaces, answered in its JSON shape.
 *
 * @param enabled serve the origin route
 * @param path the route, {@code /api/certificatesecretproxy} as the function had it
 * @param policy a named policy (from {@code policies}) a device must also pass to use this route, on
 *     top of the listener's; none means the listener's alone
 * @param mode {@code enforce} or {@code audit} for this route; none means the listener's mode
 */
public record OriginConfig(Boolean enabled, String path, String policy, PolicyMode mode) {
    public static final String DEFAULT_PATH = "/api/certificatesecretproxy";

    public OriginConfig {
        enabled = Objects.requireNonNullElse(enabled, true);
        path = Objects.requireNonNullElse(path, DEFAULT_PATH);
    }

    public static OriginConfig defaults() {
        return new OriginConfig(null, null, null, null);
    }
}
