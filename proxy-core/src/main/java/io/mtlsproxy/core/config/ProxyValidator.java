package io.mtlsproxy.core.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks the proxy section: every route reachable, unambiguous and pointing at parseable targets and readable files. */
final class ProxyValidator {
    /** Route names appear in access rules, metrics labels and audit lines: keep them plain. */
    private static final Pattern ROUTE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final String SECRETS_PATH = "/v1/secrets/";

    private ProxyValidator() {}

    static void validate(GatewayConfig config, List<String> problems) {
        Set<String> names = new HashSet<>();
        Set<String> places = new HashSet<>();
        List<ProxyRouteConfig> routes = config.proxy().routes();
        for (int i = 0; i < routes.size(); i++) {
            ProxyRouteConfig route = routes.get(i);
            String at = "proxy.routes[" + i + "]";
            if (route.name() == null || !ROUTE_NAME.matcher(route.name()).matches()) {
                problems.add(at + ".name: every route needs a name of letters, digits, '.', '_' and '-' (at most 64), "
                        + "used in access rules and audit lines");
            } else if (route.name().equals(GatewayConfig.API_ROUTE) || route.name().equals(GatewayConfig.ORIGIN_ROUTE)) {
                problems.add(at + ".name: '" + route.name() + "' is the name of a built-in route");
            } else if (!names.add(route.name())) {
                problems.add(at + ".name: '" + route.name() + "' is used by another route");
            }
            pathPrefix(at, route.pathPrefix(), config.origin(), problems);
            if (route.host() != null && (route.host().isBlank() || route.host().contains("/"))) {
                problems.add(at + ".host: '" + route.host() + "' is not a host name");
            }
            if (route.pathPrefix() != null
                    && !places.add(normalizedHost(route.host()) + " " + route.pathPrefix())) {
                problems.add(at + ".pathPrefix: another route already takes " + route.pathPrefix()
                        + (route.host() == null ? "" : " on host " + route.host()));
            }
            problems.addAll(route.identityHeaders().problems(at + ".identityHeaders"));
            if (route.upstream() == null) {
                problems.add(at + ".upstream: every route needs an upstream (targets)");
            } else {
                upstream(at + ".upstream", route.upstream(), problems);
            }
        }
    }

    private static String normalizedHost(String host) {
        return host == null ? "*" : host.toLowerCase(Locale.ROOT);
    }

    private static void pathPrefix(String at, String prefix, OriginConfig origin, List<String> problems) {
        if (prefix == null || !prefix.startsWith("/")) {
            problems.add(at + ".pathPrefix: must start with '/'");
            return;
        }
        if (prefix.contains("?") || prefix.contains("#") || prefix.contains("%") || prefix.contains("..")) {
            problems.add(at + ".pathPrefix: '" + prefix + "' must be a plain path (no '?', '#', '%' or '..')");
        }
        if (overlaps(prefix, SECRETS_PATH)) {
            problems.add(at + ".pathPrefix: '" + prefix + "' overlaps " + SECRETS_PATH + ", the secrets API");
        }
        if (origin.enabled() && takes(prefix.toLowerCase(Locale.ROOT), origin.path().toLowerCase(Locale.ROOT))) {
            problems.add(at + ".pathPrefix: '" + prefix + "' overlaps origin.path (" + origin.path() + ")");
        }
    }

    /** Whether the route would take a path under {@code space} (which ends with '/'). */
    private static boolean overlaps(String prefix, String space) {
        String base = prefix.endsWith("/") ? prefix : prefix + "/";
        return base.startsWith(space) || space.startsWith(base);
    }

    /** Whether the route would take the one path {@code path} (the origin route, matched without its query). */
    private static boolean takes(String prefix, String path) {
        String base = prefix.endsWith("/") ? prefix : prefix + "/";
        return path.equals(prefix) || path.startsWith(base) || (path + "/").equals(base);
    }

    private static void upstream(String at, UpstreamConfig upstream, List<String> problems) {
        if (upstream.targets().isEmpty()) {
            problems.add(at + ".targets: list at least one http:// or https:// URL");
        }
        Set<String> schemes = new HashSet<>();
        for (int j = 0; j < upstream.targets().size(); j++) {
            String scheme = target(at + ".targets[" + j + "]", upstream.targets().get(j), problems);
            if (scheme != null) {
                schemes.add(scheme);
            }
        }
        if (schemes.size() > 1) {
            problems.add(at + ".targets: mixes http and https; one upstream speaks one scheme (its tls settings apply to all)");
        }
        boolean https = schemes.contains("https");
        UpstreamTlsConfig tls = upstream.tls();
        if (!https && !tls.equals(UpstreamTlsConfig.defaults())) {
            problems.add(at + ".tls: set, but no target is https://, so it would never be used");
        }
        file(at + ".tls.trustedCa", tls.trustedCa(), problems);
        file(at + ".tls.certificate", tls.certificate(), problems);
        file(at + ".tls.privateKey", tls.privateKey(), problems);
        if (tls.certificate() != null && tls.privateKey() == null) {
            problems.add(at + ".tls.privateKey: tls.certificate is set; the client certificate needs its private key");
        }
        if (tls.certificate() == null && tls.privateKey() != null) {
            problems.add(at + ".tls.certificate: tls.privateKey is set without the client certificate it belongs to");
        }
        if (tls.privateKeyPassword() != null && tls.privateKey() == null) {
            problems.add(at + ".tls.privateKeyPassword: set, but there is no tls.privateKey");
        }
        if (tls.serverName() != null && (tls.serverName().isBlank() || tls.serverName().contains("/"))) {
            problems.add(at + ".tls.serverName: '" + tls.serverName() + "' is not a host name");
        }
        UpstreamTimeoutsConfig timeouts = upstream.timeouts();
        positive(at + ".timeouts.connect", timeouts.connect(), problems);
        positive(at + ".timeouts.responseHeader", timeouts.responseHeader(), problems);
        positive(at + ".timeouts.idle", timeouts.idle(), problems);
        if (upstream.retries() < 0 || upstream.retries() > 10) {
            problems.add(at + ".retries: must be between 0 and 10");
        }
        if (upstream.health().ejectAfter() < 0) {
            problems.add(at + ".health.ejectAfter: must be at least 0 (0 never ejects)");
        }
        positive(at + ".health.ejectFor", upstream.health().ejectFor(), problems);
        if (upstream.pool().maxIdlePerTarget() < 0) {
            problems.add(at + ".pool.maxIdlePerTarget: must be at least 0 (0 keeps no idle connection)");
        }
    }

    /** The target's scheme when it parses, else null (and a problem). */
    private static String target(String at, String text, List<String> problems) {
        URI uri;
        try {
            uri = text == null ? null : new URI(text);
        } catch (URISyntaxException e) {
            uri = null;
        }
        String scheme = uri == null || uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            problems.add(at + ": '" + text + "' is not an http://host[:port] or https://host[:port] URL");
            return null;
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null
                || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))) {
            problems.add(at + ": '" + text + "' must be scheme://host[:port] alone (no path, query, fragment or user)");
            return null;
        }
        if (uri.getPort() > 65535) {
            problems.add(at + ": port " + uri.getPort() + " is not a TCP port");
            return null;
        }
        return scheme;
    }

    private static void file(String at, Path path, List<String> problems) {
        if (path != null && !Files.isReadable(path)) {
            problems.add(at + ": " + path + " does not exist or cannot be read");
        }
    }

    private static void positive(String name, Duration d, List<String> problems) {
        if (d.isNegative() || d.isZero()) {
            problems.add(name + ": must be longer than zero");
        }
    }
}
