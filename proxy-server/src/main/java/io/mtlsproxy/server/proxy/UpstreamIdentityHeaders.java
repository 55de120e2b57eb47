package io.mtlsproxy.server.proxy;

import io.mtlsproxy.server.http.Caller;
import io.mtlsproxy.server.tls.Admission;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The identity headers the gateway itself adds to a forwarded request (the device's certificate
 * or its Entra device, in a format the upstream reads). Every identity header the device sent is
 * removed before this runs, so what the upstream sees comes from here alone.
 */
public interface UpstreamIdentityHeaders {
    /** Adds nothing: the upstream learns no identity. */
    UpstreamIdentityHeaders NONE = new UpstreamIdentityHeaders() {
        @Override
        public void addTo(HttpRequest upstream, HttpRequest incoming, Caller caller, Admission admission) {}

        @Override
        public boolean strips(String name) {
            return io.mtlsproxy.core.forwarded.IdentityHeaders.isIdentityHeader(name);
        }
    };

    /**
     * @param upstream the request as it goes to the upstream (its method and target are what a signature binds), to add to
     * @param incoming the request as the device, or its ingress, sent it
     * @param caller who sent it: its pinned identity, and whether an ingress forwarded it
     * @param admission what the connection's and the route's checks decided (with the Entra device, if any)
     */
    void addTo(HttpRequest upstream, HttpRequest incoming, Caller caller, Admission admission);

    /** Whether an incoming header of this name carries an identity, and so never reaches the upstream. */
    boolean strips(String name);
}
