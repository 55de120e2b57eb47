package io.mtlsproxy.core.config;

import java.util.Objects;

/**
 * One proxy route: which requests it takes and where they go.
 *
 * <p>A request matches when its path is {@code pathPrefix}, or continues it after a '/' (so
 * {@code /app} takes {@code /app} and {@code /app/x}, never {@code /apple}), and, when
 * {@code host} is set, its Host header names that host (case-insensitive, port ignored). A route
 * with a host wins over one without; then the longest prefix wins.
 *
 * @param name the route's name in access rules ({@code routes}), audit lines, logs and metrics
 * @param pathPrefix the path prefix this route takes; starts with '/'
 * @param host the Host header this route is limited to; none means any host
 * @param stripPrefix remove the prefix before forwarding ({@code /app/x} reaches the upstream as {@code /x}); default false
 * @param upstream where the requests go and how
 * @param policy a named policy (from {@code policies}) a device must also pass to use this route; none means the listener's alone
 * @param mode {@code enforce} or {@code audit} for this route's policy; none means the listener's mode
 * @param identityHeaders which identity headers the upstream gets (XFCC, RFC 9440, X-Client-*, a signature);
 *     incoming copies of every identity header are removed whatever this says
 */
public record ProxyRouteConfig(
        String name,
        String pathPrefix,
        String host,
        Boolean stripPrefix,
        UpstreamConfig upstream,
        String policy,
        PolicyMode mode,
        IdentityHeadersConfig identityHeaders) {

    public ProxyRouteConfig {
        stripPrefix = Objects.requireNonNullElse(stripPrefix, false);
        identityHeaders = Objects.requireNonNullElseGet(identityHeaders, IdentityHeadersConfig::defaults);
    }

    /** A route with the default identity headers. */
    public ProxyRouteConfig(String name, String pathPrefix, String host, Boolean stripPrefix, UpstreamConfig upstream,
            String policy, PolicyMode mode) {
        this(name, pathPrefix, host, stripPrefix, upstream, policy, mode, null);
    }
}
