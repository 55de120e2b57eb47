package io.mtlsproxy.server.proxy;

import io.mtlsproxy.core.forwarded.IdentityHeaders;
import io.mtlsproxy.server.http.Caller;
import io.mtlsproxy.server.tls.Admission;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.time.Clock;

/**
 * A route's identity headers ({@code proxy.routes[].identityHeaders}), written by the codecs of
 * {@link IdentityHeaders}. What depends only on the caller (its certificate encoded as XFCC, RFC
 * 9440, X-Client-*) is encoded once per caller and kept with it; a request then only joins a
 * trusted ingress's XFCC and signs.
 *
 * <p>An incoming XFCC is only ever kept (modes {@code forward-only} and {@code append}) when the
 * caller was named by a trusted ingress: a device on the direct listener, or anyone an ingress
 * did not vouch for, never gets its own header through.
 */
final class RouteIdentityHeaders implements UpstreamIdentityHeaders {
    private final IdentityHeaders headers;
    private final Clock clock;

    RouteIdentityHeaders(IdentityHeaders headers, Clock clock) {
        this.headers = headers;
        this.clock = clock;
    }

    @Override
    public void addTo(HttpRequest upstream, HttpRequest incoming, Caller caller, Admission admission) {
        IdentityHeaders.Prepared prepared = caller.remembered(this, () -> headers.prepare(caller.identity(),
                admission.entraDevice() == null ? null : admission.entraDevice().deviceId()));
        String trustedXfcc = caller.forwardedByIngress() ? incoming.headers().get(IdentityHeaders.XFCC) : null;
        HttpHeaders out = upstream.headers();
        for (IdentityHeaders.Header header : prepared.headersFor(trustedXfcc, upstream.method().name(), upstream.uri(),
                clock.instant())) {
            out.add(header.name(), header.value());
        }
    }

    @Override
    public boolean strips(String name) {
        return headers.strips(name);
    }
}
