package io.mtlsproxy.core.config;

import io.mtlsproxy.core.secret.SecretNames;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The checks of {@code secrets.cache}, each backend's tuning ({@code cache}, {@code timeout},
 * {@code circuitBreaker}) and {@code secrets.routes}. Public because the backends module runs
 * the same checks on a config built in code.
 */
public final class SecretsValidator {
    private SecretsValidator() {}

    /** Adds one line per problem, each naming its setting. */
    public static void check(SecretsConfig s, List<String> problems) {
        CacheConfig cache = s.cache();
        durations("secrets.cache", cache.ttl(), cache.refreshAhead(), cache.negativeTtl(), cache.staleIfError(),
                problems);
        for (int i = 0; i < s.backends().size(); i++) {
            tuning(s.backends().get(i), "secrets.backends[" + i + "]", cache, problems);
        }
        routes(s, problems);
    }

    private static void tuning(BackendConfig backend, String at, CacheConfig defaults, List<String> problems) {
        BackendCacheConfig own = Objects.requireNonNullElseGet(backend.cache(), BackendCacheConfig::inherit);
        // a setting written here is this backend's; an inherited one is already checked under secrets.cache
        // unless it now meets a shorter ttl written here
        Duration ttl = Objects.requireNonNullElse(own.ttl(), defaults.ttl());
        Duration refreshAhead = Objects.requireNonNullElse(own.refreshAhead(), defaults.refreshAhead());
        if (own.ttl() != null) {
            positive(at + ".cache.ttl", ttl, problems);
        }
        if (own.refreshAhead() != null && refreshAhead.isNegative()) {
            problems.add(at + ".cache.refreshAhead: must not be negative (0 turns refresh-ahead off)");
        } else if (!ttl.isNegative() && !ttl.isZero() && refreshAhead.compareTo(ttl) >= 0
                && (own.ttl() != null || own.refreshAhead() != null)) {
            problems.add(at + ".cache.refreshAhead: " + text(refreshAhead)
                    + (own.refreshAhead() == null ? " (from secrets.cache.refreshAhead)" : "")
                    + " must be shorter than this backend's ttl " + text(ttl)
                    + ", or every read would reload the secret");
        }
        notNegative(at + ".cache.negativeTtl", own.negativeTtl(), "negative caching", problems);
        notNegative(at + ".cache.staleIfError", own.staleIfError(), "stale serving", problems);
        if (backend.timeout() != null) {
            positive(at + ".timeout", backend.timeout(), problems);
        }
        CircuitBreakerConfig breaker = backend.circuitBreaker();
        if (breaker != null) {
            if (breaker.failureThreshold() != null && breaker.failureThreshold() < 1) {
                problems.add(at + ".circuitBreaker.failureThreshold: must be at least 1");
            }
            if (breaker.openFor() != null) {
                positive(at + ".circuitBreaker.openFor", breaker.openFor(), problems);
            }
        }
    }

    private static void durations(String at, Duration ttl, Duration refreshAhead, Duration negativeTtl,
            Duration staleIfError, List<String> problems) {
        positive(at + ".ttl", ttl, problems);
        if (refreshAhead.isNegative()) {
            problems.add(at + ".refreshAhead: must not be negative (0 turns refresh-ahead off)");
        } else if (!ttl.isNegative() && !ttl.isZero() && refreshAhead.compareTo(ttl) >= 0) {
            problems.add(at + ".refreshAhead: " + text(refreshAhead) + " must be shorter than "
                    + at + ".ttl " + text(ttl) + ", or every read would reload the secret");
        }
        notNegative(at + ".negativeTtl", negativeTtl, "negative caching", problems);
        notNegative(at + ".staleIfError", staleIfError, "stale serving", problems);
    }

    /**
     * Routes must each say something, point at a backend that exists, and be reachable: a name no
     * client can send, a second rule for the same name or prefix, could never apply.
     */
    private static void routes(SecretsConfig s, List<String> problems) {
        Set<String> backends = new HashSet<>();
        s.backends().forEach(b -> backends.add(b.name()));
        Map<String, String> names = new HashMap<>();
        Map<String, String> prefixes = new HashMap<>();
        for (int i = 0; i < s.routes().size(); i++) {
            RouteConfig route = s.routes().get(i);
            String at = "secrets.routes[" + i + "]";
            if (route == null) {
                problems.add(at + ": empty rule; give names or a prefix, and a backend");
                continue;
            }
            if (route.backend() == null || route.backend().isBlank()) {
                problems.add(at + ".backend: every route needs the backend that serves it");
            } else if (!backends.contains(route.backend())) {
                problems.add(at + ".backend: no backend is named '" + route.backend() + "' (known: "
                        + new java.util.TreeSet<>(backends) + ")");
            }
            boolean hasNames = !route.names().isEmpty();
            boolean hasPrefix = route.prefix() != null;
            if (!hasNames && !hasPrefix) {
                problems.add(at + ": empty rule; give names (exact secret names) or a prefix");
            } else if (hasNames && hasPrefix) {
                problems.add(at + ": give either names or a prefix, not both (write two rules)");
            }
            if (route.stripPrefix() && !hasPrefix) {
                problems.add(at + ".stripPrefix: only a prefix rule can strip its prefix");
            }
            for (int j = 0; j < route.names().size(); j++) {
                String name = route.names().get(j);
                if (!SecretNames.isValid(name)) {
                    problems.add(at + ".names[" + j + "]: '" + name + "' is not a valid secret name, so no request"
                            + " can reach this entry");
                } else if (names.putIfAbsent(name, at) != null) {
                    problems.add(at + ".names[" + j + "]: '" + name + "' is already routed by " + names.get(name)
                            + "; this entry would never apply");
                }
            }
            if (hasPrefix) {
                String prefix = route.prefix();
                if (prefix.isEmpty()) {
                    problems.add(at + ".prefix: empty; to send every other name to one backend use"
                            + " secrets.defaultBackend");
                } else if (!SecretNames.isValid(prefix)
                        || (route.stripPrefix() && prefix.length() >= SecretNames.MAX_LENGTH)) {
                    problems.add(at + ".prefix: '" + prefix + "' cannot begin a valid secret name (1-"
                            + SecretNames.MAX_LENGTH + " letters, digits, '-', '_', '.', starting with a letter or"
                            + " digit), so no request can reach this rule");
                } else if (prefixes.putIfAbsent(prefix, at) != null) {
                    problems.add(at + ".prefix: '" + prefix + "' is already routed by " + prefixes.get(prefix)
                            + "; this rule would never apply");
                }
            }
        }
    }

    /** As written in YAML: 30s, 5m, 1h, 250ms. */
    private static String text(Duration d) {
        long millis = d.toMillis();
        if (millis != 0 && millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis != 0 && millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    private static void notNegative(String name, Duration d, String what, List<String> problems) {
        if (d != null && d.isNegative()) {
            problems.add(name + ": must not be negative (0 turns " + what + " off)");
        }
    }

    private static void positive(String name, Duration d, List<String> problems) {
        if (d.isNegative() || d.isZero()) {
            problems.add(name + ": must be longer than zero");
        }
    }
}
