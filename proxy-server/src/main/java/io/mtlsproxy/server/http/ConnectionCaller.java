package io.mtlsproxy.server.http;

import io.mtlsproxy.core.error.ErrorCode;
import io.mtlsproxy.server.ConnectionAttributes;
import io.mtlsproxy.server.tls.Admission;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The direct listener's callers: every request of a connection comes from the identity pinned
 * after its handshake. The caller is built on the first request and kept on the connection (an
 * HTTP/2 stream's parent), so that everything decided about it (route admissions, limits) holds for
 * the connection's life and is shared by its streams, which run on the connection's event loop.
 */
public final class ConnectionCaller implements CallerSource {
    public static final ConnectionCaller INSTANCE = new ConnectionCaller();
    private static final Logger log = LoggerFactory.getLogger(ConnectionCaller.class);

    private ConnectionCaller() {}

    @Override
    public Caller callerOf(Channel channel, HttpRequest request) {
        // on the connection itself, so that all its HTTP/2 streams share one caller and what was decided about it
        channel = ConnectionAttributes.connection(channel);
        Caller caller = channel.attr(ConnectionAttributes.CALLER).get();
        if (caller != null) {
            return caller;
        }
        CompletableFuture<Admission> admission = channel.attr(ConnectionAttributes.ADMISSION).get();
        if (admission == null) {
            // Unreachable by construction (the identity handler runs first); refuse rather than guess.
            log.error("request before admission; closing");
            return Caller.ofConnection(null, CompletableFuture.completedFuture(new Admission(ErrorCode.INTERNAL_ERROR, null)));
        }
        caller = Caller.ofConnection(channel.attr(ConnectionAttributes.CLIENT_IDENTITY).get(), admission);
        channel.attr(ConnectionAttributes.CALLER).set(caller);
        return caller;
    }
}
