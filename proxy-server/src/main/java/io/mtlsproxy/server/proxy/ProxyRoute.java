package io.mtlsproxy.server.proxy;

import io.mtlsproxy.core.config.ProxyRouteConfig;
import io.mtlsproxy.core.config.UpstreamTimeoutsConfig;
import io.mtlsproxy.server.tls.RouteGuard;
import java.util.Locale;

/** One proxy route of a configuration generation: what it takes, and its upstream with its connections. */
public final class ProxyRoute {
    private final String name;
    private final String prefix;
    private final String host;
    private final boolean stripPrefix;
    private final Upstream upstream;
    private final UpstreamConnections connections;
    private final RouteGuard guard;
    private final int retries;
    private final UpstreamTimeoutsConfig timeouts;
    private final UpstreamIdentityHeaders identityHeaders;

    ProxyRoute(ProxyRouteConfig config, Upstream upstream, UpstreamConnections connections, RouteGuard guard,
            UpstreamIdentityHeaders identityHeaders) {
        this.name = config.name();
        this.prefix = config.pathPrefix();
        this.host = config.host() == null ? null : config.host().toLowerCase(Locale.ROOT);
        this.stripPrefix = config.stripPrefix();
        this.upstream = upstream;
        this.connections = connections;
        this.guard = guard;
        this.retries = config.upstream().retries();
        this.timeouts = config.upstream().timeouts();
        this.identityHeaders = identityHeaders;
    }

    public String name() {
        return name;
    }

    String prefix() {
        return prefix;
    }

    boolean hasHost() {
        return host != null;
    }

    /** What the route demands beyond the listener, or null when nothing. */
    public RouteGuard guard() {
        return guard;
    }

    Upstream upstream() {
        return upstream;
    }

    UpstreamConnections connections() {
        return connections;
    }

    int retries() {
        return retries;
    }

    UpstreamTimeoutsConfig timeouts() {
        return timeouts;
    }

    public UpstreamIdentityHeaders identityHeaders() {
        return identityHeaders;
    }

    /** The path is the prefix, or continues it after a '/'. */
    boolean takesPath(String path) {
        if (!path.startsWith(prefix)) {
            return false;
        }
        return path.length() == prefix.length() || prefix.endsWith("/") || path.charAt(prefix.length()) == '/';
    }

    /** No host configured, or the Host header names it (case-insensitive, port ignored). */
    boolean takesHost(String hostHeader) {
        if (host == null) {
            return true;
        }
        if (hostHeader == null) {
            return false;
        }
        String h = hostHeader.trim();
        int end;
        if (h.startsWith("[")) {
            end = h.indexOf(']') + 1;
        } else {
            int colon = h.indexOf(':');
            end = colon < 0 ? h.length() : colon;
        }
        return end > 0 && h.substring(0, end).equalsIgnoreCase(host);
    }

    /** The path and query to ask the upstream for: as received, or with the prefix removed. */
    public String upstreamUri(String uri) {
        if (!stripPrefix) {
            return uri;
        }
        String base = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        String rest = uri.substring(Math.min(base.length(), uri.length()));
        if (rest.isEmpty() || rest.charAt(0) != '/') {
            return "/" + rest; // "/app" -> "/", "/app?x" -> "/?x"
        }
        return rest;
    }

    @Override
    public String toString() {
        return "ProxyRoute[" + name + " " + (host == null ? "" : host) + prefix + " -> " + upstream.targets() + "]";
    }
}
