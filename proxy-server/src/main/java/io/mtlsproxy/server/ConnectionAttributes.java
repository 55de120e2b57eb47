package io.mtlsproxy.server;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.server.tls.Admission;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;

/** What the pipeline pins to a connection. Written once, by the handler named beside each key. */
public final class ConnectionAttributes {
    /** The validated client identity; written by {@code ClientIdentityHandler} after the handshake. */
    public static final AttributeKey<ClientIdentity> CLIENT_IDENTITY = AttributeKey.valueOf("mtls-proxy.client-identity");

    /**
     * Whether the connection's requests may be served; written by {@code ClientIdentityHandler},
     * completed at once or when the asynchronous certificate checks have answered.
     */
    public static final AttributeKey<CompletableFuture<Admission>> ADMISSION = AttributeKey.valueOf("mtls-proxy.admission");

    /**
     * The connection's caller as the HTTP layer knows it (identity, admissions, limits); written by
     * {@code ConnectionCaller} on the first request, from the two attributes above, on the connection
     * itself (never on an HTTP/2 stream), so that all its streams share one caller.
     */
    public static final AttributeKey<io.mtlsproxy.server.http.Caller> CALLER = AttributeKey.valueOf("mtls-proxy.caller");

    /**
     * The client's address as the PROXY protocol v2 header of a trusted balancer gave it; written
     * by {@code ProxySourceHandler} before any other handler runs. Unset without such a header.
     */
    public static final AttributeKey<java.net.InetSocketAddress> CLIENT_ADDRESS = AttributeKey.valueOf("mtls-proxy.client-address");

    private ConnectionAttributes() {}

    /** The TCP connection a channel belongs to: an HTTP/2 stream's parent, or the channel itself. */
    public static Channel connection(Channel channel) {
        return channel instanceof Http2StreamChannel stream ? stream.parent() : channel;
    }

    /**
     * Gives an HTTP/2 stream's channel what its connection pinned, so the request handlers read it
     * from their own channel on both protocols. Called when the stream opens: by then the identity
     * and the admission are final, since the HTTP/2 codec is installed only once the identity handler
     * has let the connection through.
     */
    public static void shareWithStream(Channel connection, Channel stream) {
        copy(CLIENT_IDENTITY, connection, stream);
        copy(ADMISSION, connection, stream);
        copy(CLIENT_ADDRESS, connection, stream);
    }

    private static <T> void copy(AttributeKey<T> key, Channel from, Channel to) {
        T value = from.attr(key).get();
        if (value != null) {
            to.attr(key).set(value);
        }
    }

    /** The client's address: the PROXY header's source when there was one, otherwise the socket's peer. */
    public static SocketAddress clientAddress(Channel channel) {
        SocketAddress proxied = channel.attr(CLIENT_ADDRESS).get();
        return proxied != null ? proxied : channel.remoteAddress();
    }
}
