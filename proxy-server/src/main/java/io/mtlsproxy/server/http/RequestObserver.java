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
}
