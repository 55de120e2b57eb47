package io.mtlsproxy.server.proxy;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.server.tls.Admission;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The identity headers the gateway itself adds to a forwarded request (the device's certificate
 * or its Entra device, in a format the upstream reads). Every identity header the device sent is
 * removed before this runs, so what the upstream sees comes from here alone.
 */
@FunctionalInterface
public interface UpstreamIdentityHeaders {
    /** Adds nothing: the upstream learns no identity. */
    UpstreamIdentityHeaders NONE = (headers, identity, admission, request) -> { };

    /**
     * @param headers the forwarded request's headers, to add to
     * @param identity the device's identity, pinned to its connection
     * @param admission what the connection's and the route's checks decided (with the Entra device, if any)
     * @param request the request as the device sent it
     */
    void addTo(HttpHeaders headers, ClientIdentity identity, Admission admission, HttpRequest request);
}
