package io.mtlsproxy.server.http;

import io.mtlsproxy.core.error.ErrorCode;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.server.limits.RequestLimits;
import io.mtlsproxy.server.tls.Admission;
import io.mtlsproxy.server.tls.RouteGuard;
import io.netty.channel.Channel;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Who sends a request, and what the gateway decided about them. On the direct listener there is
 * one per connection, built from the identity pinned after the handshake; behind an ingress there
 * is one per forwarded certificate, since one connection from the ingress carries many devices.
 *
 * <p>What is decided about a caller is decided once and kept here: its admission, each route's
 * admission, its rate-limit states. A caller is confined to its connection's event loop (HTTP/2
 * streams of one connection share that loop), so none of this needs locking.
 */
public final class Caller {
    private static final CompletableFuture<Admission> NOT_ADMITTED =
            CompletableFuture.completedFuture(new Admission(ErrorCode.CLIENT_CERTIFICATE_REQUIRED, null));

    private final ClientIdentity identity;
    private final CompletableFuture<Admission> admission;
    private final boolean connectionWide;
    private Map<String, CompletableFuture<Admission>> routeAdmissions; // made on the first guarded route: most callers have none
    private Map<Object, Object> remembered; // what routes computed once for this caller, e.g. its encoded identity headers
    private RequestLimits.Client limits;

    private Caller(ClientIdentity identity, CompletableFuture<Admission> admission, boolean connectionWide) {
        this.identity = identity;
        this.admission = admission;
        this.connectionWide = connectionWide;
    }

    /**
     * The caller of a connection that authenticated itself in the TLS handshake: a refusal of it
     * refuses the connection, which is then closed.
     *
     * @param identity the pinned identity, or null when audit mode let a connection without one through
     */
    public static Caller ofConnection(ClientIdentity identity, CompletableFuture<Admission> admission) {
        return new Caller(identity, admission, true);
    }

    /**
     * A caller named by a request (a certificate forwarded by an ingress): a refusal of it refuses
     * its requests, and the connection stays open for the other callers on it.
     */
    public static Caller ofRequest(ClientIdentity identity, CompletableFuture<Admission> admission) {
        return new Caller(identity, admission, false);
    }

    /** A request refused before any identity could be named, e.g. for a malformed certificate header. */
    public static Caller refused(ErrorCode code) {
        return new Caller(null, CompletableFuture.completedFuture(new Admission(code, null)), false);
    }

    /** A request that names no client at all. */
    public static Caller anonymous() {
        return new Caller(null, NOT_ADMITTED, false);
    }

    /** The validated identity; null when the caller has none (and so may use nothing). */
    public ClientIdentity identity() {
        return identity;
    }

    /** Whether the caller passed the listener's policy: at once, or once its asynchronous checks answer. */
    public CompletableFuture<Admission> admission() {
        return admission;
    }

    /** Whether a refusal of this caller ends the connection (it is the connection's only caller). */
    public boolean refusalClosesConnection() {
        return connectionWide;
    }

    /** The route's own admission of this caller, decided on first use and kept. */
    public CompletableFuture<Admission> routeAdmission(RouteGuard guard, Channel channel, Admission admitted) {
        if (routeAdmissions == null) {
            routeAdmissions = new HashMap<>(4);
        }
        CompletableFuture<Admission> route = routeAdmissions.get(guard.route());
        if (route == null) {
            route = guard.admit(channel, identity, admitted);
            routeAdmissions.put(guard.route(), route);
        }
        return route;
    }

    /** Whether an ingress named this caller by a forwarded certificate (the behind-ingress listener), not a handshake. */
    public boolean forwardedByIngress() {
        return !connectionWide && identity != null;
    }

    /** A value computed once for this caller by {@code owner} and kept with it, such as its encoded identity headers. */
    @SuppressWarnings("unchecked")
    public <T> T remembered(Object owner, java.util.function.Supplier<T> compute) {
        if (remembered == null) {
            remembered = new HashMap<>(2);
        }
        return (T) remembered.computeIfAbsent(owner, ignored -> compute.get());
    }

    /** The caller's rate-limit and lockout states, looked up once. */
    public RequestLimits.Client limits(RequestLimits requestLimits, Channel channel) {
        if (limits == null) {
            limits = requestLimits.client(channel, identity);
        }
        return limits;
    }
}
