package io.mtlsproxy.server.http;

import io.mtlsproxy.server.proxy.ProxyRoutes;
import io.mtlsproxy.server.tls.RouteGuard;

/**
 * What the HTTP handler needs from the configuration, resolved once.
 *
 * @param maxBodySize larger request bodies get 413
 * @param originPath the origin route, or null when it is off
 * @param origin renders origin answers, or null when the route is off
 * @param apiGuard what {@code /v1/secrets} demands beyond the listener, or null when nothing
 * @param originGuard what the origin route demands beyond the listener, or null when nothing
 * @param proxy the reverse-proxy routes (each with its own guard), {@link ProxyRoutes#NONE} when there are none
 */
public record HttpSettings(long maxBodySize, String originPath, OriginRoute origin, RouteGuard apiGuard,
        RouteGuard originGuard, ProxyRoutes proxy) {
    public static HttpSettings of(long maxBodySize, String originPath, java.time.Clock clock, String validationMethods,
            boolean chainValidated, String defaultWorkload, RouteGuard apiGuard, RouteGuard originGuard, ProxyRoutes proxy) {
        return new HttpSettings(maxBodySize, originPath, originPath == null ? null
                : new OriginRoute(clock, validationMethods, chainValidated, defaultWorkload), apiGuard, originGuard, proxy);
    }
}
