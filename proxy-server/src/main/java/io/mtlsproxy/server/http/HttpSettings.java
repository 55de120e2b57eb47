package io.mtlsproxy.server.http;

/**
 * What the HTTP handler needs from the configuration, resolved once.
 *
 * @param maxBodySize larger request bodies get 413
 * @param originPath the origin route, or null when it is off
 * @param origin renders origin answers, or null when the route is off
 */
public record HttpSettings(long maxBodySize, String originPath, OriginRoute origin) {
    public static HttpSettings of(long maxBodySize, String originPath, java.time.Clock clock, String validationMethods,
            boolean chainValidated, String defaultWorkload) {
        return new HttpSettings(maxBodySize, originPath, originPath == null ? null
                : new OriginRoute(clock, validationMethods, chainValidated, defaultWorkload));
    }
}
