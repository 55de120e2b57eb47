package io.mtlsproxy.server.http;

/**
 * Told of every response the device API sends, on the event loop, as it is written (the metrics).
 * Must be cheap: it runs once per request on the hot path.
 */
@FunctionalInterface
public interface RequestObserver {
    RequestObserver NONE = (uri, status) -> { };

    /** @param uri the request's URI as received (path and query) */
    void responded(String uri, int status);

    /** A response of the reverse-proxy route {@code route}: the upstream's status, or the gateway's error. */
    default void proxied(String route, int status) {
        responded("", status);
    }
}
