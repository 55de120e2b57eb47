package io.mtlsproxy.core.config;

import java.util.List;

/**
 * The reverse proxy on the device listener: requests whose path (and host) match a route are
 * forwarded to that route's upstream, after the same admission, route policy and access rules as
 * secret reads.
 *
 * @param routes the proxy routes; none by default (the gateway serves secrets only)
 */
public record ProxyConfig(List<ProxyRouteConfig> routes) {
    public ProxyConfig {
        routes = routes == null ? List.of() : List.copyOf(routes);
    }

    public static ProxyConfig none() {
        return new ProxyConfig(null);
    }
}
