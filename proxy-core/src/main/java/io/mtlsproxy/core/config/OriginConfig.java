package io.mtlsproxy.core.config;

import java.util.Objects;

/**
 * The route of the Azure Function this gateway replaces, answered in its JSON shape.
 *
 * @param enabled serve the origin route
 * @param path the route, {@code /api/certificatesecretproxy} as the function had it
 */
public record OriginConfig(Boolean enabled, String path) {
    public static final String DEFAULT_PATH = "/api/certificatesecretproxy";

    public OriginConfig {
        enabled = Objects.requireNonNullElse(enabled, true);
        path = Objects.requireNonNullElse(path, DEFAULT_PATH);
    }

    public static OriginConfig defaults() {
        return new OriginConfig(null, null);
    }
}
