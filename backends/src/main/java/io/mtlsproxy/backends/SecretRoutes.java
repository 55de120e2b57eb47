package io.mtlsproxy.backends;

import io.mtlsproxy.core.config.RouteConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which backend serves a secret name ({@code secrets.routes}): an explicit name wins over every
 * prefix, the longest matching prefix wins among prefixes, and a name no rule matches goes to
 * the default backend. The order of rules does not matter. Names are matched case-sensitively,
 * as clients send them.
 */
public final class SecretRoutes {
    private final Map<String, Target> byName;
    private final Target[] byPrefix; // longest prefix first
    private final Target fallback;

    private SecretRoutes(Map<String, Target> byName, Target[] byPrefix, Target fallback) {
        this.byName = byName;
        this.byPrefix = byPrefix;
        this.fallback = fallback;
    }

    /**
     * Where one rule sends its names. Built once per rule, so routing a request allocates nothing
     * unless a prefix is stripped.
     *
     * @param backend the backend's name
     * @param prefix the rule's prefix, or null for an explicit name or the default
     * @param stripPrefix whether the backend is asked for the name without the prefix
     */
    public record Target(String backend, String prefix, boolean stripPrefix) {
        /** The name the backend is asked for. */
        public String backendName(String name) {
            return stripPrefix ? name.substring(prefix.length()) : name;
        }
    }

    /** Every name to one backend: what the origin's single WORKLOAD means. */
    public static SecretRoutes single(String defaultBackend) {
        return of(List.of(), defaultBackend);
    }

    /**
     * @param routes validated rules (see {@code SecretsValidator}); a rule that breaks them is
     *     refused here too, so a config built in code cannot route ambiguously
     * @throws IllegalArgumentException for an empty or ambiguous rule
     */
    public static SecretRoutes of(List<RouteConfig> routes, String defaultBackend) {
        Objects.requireNonNull(defaultBackend, "defaultBackend");
        Map<String, Target> byName = new HashMap<>();
        Map<String, Target> prefixes = new HashMap<>();
        for (RouteConfig route : routes) {
            if (route.backend() == null) {
                throw new IllegalArgumentException("a route needs a backend");
            }
            boolean hasPrefix = route.prefix() != null && !route.prefix().isEmpty();
            if (route.names().isEmpty() == !hasPrefix) {
                throw new IllegalArgumentException("a route gives either names or a non-empty prefix");
            }
            if (route.stripPrefix() && !hasPrefix) {
                throw new IllegalArgumentException("only a prefix route can strip its prefix");
            }
            Target target = new Target(route.backend(), hasPrefix ? route.prefix() : null, route.stripPrefix());
            for (String name : route.names()) {
                if (byName.put(name, target) != null) {
                    throw new IllegalArgumentException("secret '" + name + "' is routed twice");
                }
            }
            if (hasPrefix && prefixes.put(route.prefix(), target) != null) {
                throw new IllegalArgumentException("prefix '" + route.prefix() + "' is routed twice");
            }
        }
        List<Target> ordered = new ArrayList<>(prefixes.values());
        ordered.sort(Comparator.comparingInt((Target t) -> t.prefix().length()).reversed());
        return new SecretRoutes(Map.copyOf(byName), ordered.toArray(Target[]::new),
                new Target(defaultBackend, null, false));
    }

    /** Where {@code name} goes; never null. */
    public Target route(String name) {
        if (!byName.isEmpty()) {
            Target named = byName.get(name);
            if (named != null) {
                return named;
            }
        }
        for (Target target : byPrefix) {
            if (name.startsWith(target.prefix())) {
                return target;
            }
        }
        return fallback;
    }

    /** The backends any rule names, the default included. */
    List<String> backends() {
        List<String> names = new ArrayList<>();
        names.add(fallback.backend());
        byName.values().forEach(t -> names.add(t.backend()));
        for (Target target : byPrefix) {
            names.add(target.backend());
        }
        return names;
    }
}
