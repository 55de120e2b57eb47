package io.mtlsproxy.server.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;

/** Names the caller of each request on one connection. Runs on the connection's event loop. */
@FunctionalInterface
public interface CallerSource {
    /** @return the request's caller; a refused or anonymous one when the request names no acceptable client */
    Caller callerOf(Channel channel, HttpRequest request);

    /**
     * The device's address for logs and audit records: the connection's peer unless someone trusted said otherwise.
     *
     * @param peer the connection's peer address as text, formatted once per connection by the caller
     */
    default String clientAddress(String peer, HttpRequest request) {
        return peer;
    }
}
