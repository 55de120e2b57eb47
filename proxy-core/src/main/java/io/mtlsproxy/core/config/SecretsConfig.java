package io.mtlsproxy.core.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where secrets come from and how long they are kept in memory.
 *
 * @param cache the cache in front of every backend
 * @param backends the configured stores, each with a unique name; one {@code appsettings} backend
 *     ({@code VAR_<name>}, as the origin) when absent
 * @param defaultBackend the backend that serves every secret no route matches; the first backend
 *     when absent
 * @param routes which backend serves which secret names (see {@link RouteConfig}); none by
 *     default, so the default backend serves everything
 */
public record SecretsConfig(CacheConfig cache, List<BackendConfig> backends, String defaultBackend,
        List<RouteConfig> routes) {
    public SecretsConfig {
        cache = Objects.requireNonNullElseGet(cache, CacheConfig::defaults);
        // absent backends mean the origin's VAR_* settings, also when only the cache is configured;
        // an explicit empty list stays empty (and is refused by validation)
        backends = backends == null
                ? List.of(new BackendConfig.AppSettings("appsettings", "VAR_", Map.of()))
                : List.copyOf(backends);
        routes = routes == null ? List.of() : List.copyOf(routes);
    }

    /** Without routes: the default backend serves every name. */
    public SecretsConfig(CacheConfig cache, List<BackendConfig> backends, String defaultBackend) {
        this(cache, backends, defaultBackend, null);
    }

    public static SecretsConfig defaults() {
        return new SecretsConfig(null, null, null, null);
    }

    /** The name of the backend that serves unrouted secrets. */
    public String effectiveDefaultBackend() {
        if (defaultBackend != null) {
            return defaultBackend;
        }
        return backends.isEmpty() ? null : backends.get(0).name();
    }
}
