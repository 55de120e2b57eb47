package io.mtlsproxy.server.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.core.config.ListenerConfig.TlsProvider;
import io.mtlsproxy.core.config.IdentityHeadersConfig;
import io.mtlsproxy.core.config.ProxyRouteConfig;
import io.mtlsproxy.core.forwarded.IdentityHeaders;
import io.mtlsproxy.core.forwarded.SigningKeyFile;
import io.mtlsproxy.core.identity.SubjectAltNames;
import io.mtlsproxy.core.config.UpstreamConfig;
import io.mtlsproxy.server.tls.RouteGuard;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;

/**
 * The proxy routes of one configuration generation, with their upstreams' TLS contexts and
 * connection pools. Built off the event loops with the generation, closed when it is released.
 */
public final class ProxyRoutes implements AutoCloseable {
    /** No proxy routes. */
    public static final ProxyRoutes NONE = new ProxyRoutes(List.of(), null);

    /** Host-bound routes first, then the longest prefix: the most specific route wins. */
    private static final Comparator<ProxyRoute> SPECIFIC_FIRST = Comparator.comparing((ProxyRoute r) -> !r.hasHost())
            .thenComparing(r -> -r.prefix().length());

    private final List<ProxyRoute> routes;
    private final ExecutorService resolver;

    private ProxyRoutes(List<ProxyRoute> routes, ExecutorService resolver) {
        this.routes = routes;
        this.resolver = resolver;
    }

    /**
     * @param ticker time for passive health (ejections)
     * @param guards the route guard of the proxy route at an index (null when it adds nothing)
     * @param clock the time of identity-header signatures
     * @param serverCertificate the gateway's own certificate: its URI SAN is the {@code By} of the XFCC it writes
     */
    public static ProxyRoutes build(GatewayConfig config, TlsProvider provider, Ticker ticker, IntFunction<RouteGuard> guards,
            Clock clock, X509Certificate serverCertificate) throws ConfigException {
        List<ProxyRouteConfig> configs = config.proxy().routes();
        if (configs.isEmpty()) {
            return NONE;
        }
        ExecutorService resolver = Executors.newCachedThreadPool(new DefaultThreadFactory("proxy-resolver", true));
        List<ProxyRoute> routes = new ArrayList<>(configs.size());
        try {
            for (int i = 0; i < configs.size(); i++) {
                ProxyRouteConfig route = configs.get(i);
                UpstreamConfig upstream = route.upstream();
                boolean https = upstream.targets().get(0).regionMatches(true, 0, "https:", 0, 6);
                boolean h2 = upstream.protocol() == UpstreamConfig.Protocol.H2;
                UpstreamIdentityHeaders headers = identityHeaders("proxy.routes[" + i + "].identityHeaders",
                        route.identityHeaders(), clock, serverCertificate);
                RouteGuard guard = guards.apply(i);
                Upstream targets = new Upstream(route.name(), upstream.targets(), upstream.balancing(), upstream.health(), ticker);
                // the TLS context last, straight into the connections that own it: nothing can throw in between
                SslContext ssl = https ? UpstreamTls.build("proxy.routes[" + i + "].upstream.tls", upstream.tls(), provider, h2)
                        : null;
                routes.add(new ProxyRoute(route, targets, new UpstreamConnections(route.name(), upstream, ssl, resolver), guard,
                        headers));
            }
        } catch (ConfigException | RuntimeException e) {
            for (ProxyRoute built : routes) {
                built.connections().close(); // releases the TLS contexts of the routes built so far
            }
            resolver.shutdownNow();
            throw e;
        }
        routes.sort(SPECIFIC_FIRST);
        return new ProxyRoutes(List.copyOf(routes), resolver);
    }

    /** A route's identity headers; its signing key is read here, off the event loops, with the generation. */
    private static UpstreamIdentityHeaders identityHeaders(String setting, IdentityHeadersConfig config, Clock clock,
            X509Certificate serverCertificate) throws ConfigException {
        byte[] key = config.signing() == null ? null : SigningKeyFile.read(config.signing(), setting + ".signing.keyFile");
        return new RouteIdentityHeaders(IdentityHeaders.of(config, key, ownUri(serverCertificate)), clock);
    }

    /** The gateway's URI SAN (a SPIFFE id, say), as Envoy writes its own in XFCC's By; null without one. */
    private static String ownUri(X509Certificate certificate) {
        if (certificate == null) {
            return null;
        }
        try {
            List<String> uris = SubjectAltNames.of(certificate).uris();
            return uris.isEmpty() ? null : uris.get(0);
        } catch (java.security.cert.CertificateParsingException e) {
            return null; // a certificate whose SANs do not parse has no URI to give
        }
    }

    public boolean isEmpty() {
        return routes.isEmpty();
    }

    public List<ProxyRoute> routes() {
        return routes;
    }

    /** The route that takes this request, or null. */
    public ProxyRoute match(String hostHeader, String path) {
        for (ProxyRoute route : routes) {
            if (route.takesPath(path) && route.takesHost(hostHeader)) {
                return route;
            }
        }
        return null;
    }

    /**
     * Whether a path may be forwarded: no "." or ".." segment, even percent-encoded, since the
     * upstream could resolve one out of the route's prefix (the access rule was for the prefix).
     */
    public static boolean isForwardable(String path) {
        String p = path.replace("%2e", ".").replace("%2E", ".");
        if (p.contains("%2f") || p.contains("%2F") || p.contains("%5c") || p.contains("%5C") || p.indexOf('\\') >= 0) {
            return false;
        }
        for (String segment : p.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** Closes every route's pool, releasing its TLS context; once the generation is done with them. */
    @Override
    public void close() {
        for (ProxyRoute route : routes) {
            route.connections().close();
        }
        if (resolver != null) {
            resolver.shutdownNow();
        }
    }
}
