package io.mtlsproxy.server;

import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.server.limits.ConnectionRefusals;
import io.mtlsproxy.server.limits.RequestHeadTimeout;
import io.mtlsproxy.server.limits.WriteTimeout;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/** The stretches of pipeline the device and behind-ingress listeners share, with the listener's limits. */
final class ListenerPipelines {
    /** The names {@link #http1} adds, in order; an h2 connection has the HTTP/2 handlers in their place. */
    static final java.util.List<String> HTTP1_HANDLERS = java.util.List.of("request-start", "http", "request-head-timeout",
            "expect-continue", "api");

    private ListenerPipelines() {}

    /** Write and idle timeouts, ahead of TLS: they watch the socket. */
    static void timeouts(ChannelPipeline pipeline, ListenerConfig listener, ConnectionRefusals refusals) {
        pipeline.addLast("write-timeout", new WriteTimeout(listener.writeTimeout(), refusals));
        // reader-idle only: watching writes too would hang a listener on every response's promise
        pipeline.addLast("idle", new IdleStateHandler(listener.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
    }

    /** One TLS handler from the listener's context, with the listener's handshake timeout. */
    static SslHandler tls(SslContext context, Channel channel, ListenerConfig listener) {
        SslHandler handler = context.newHandler(channel.alloc());
        handler.setHandshakeTimeoutMillis(listener.handshakeTimeout().toMillis());
        return handler;
    }

    /**
     * HTTP/1.1 up to the API: the request-head timeout around the codec, expect-continue, then {@code api}.
     *
     * @param maxHeaderSize the header block's bound, the listener's own (the behind-ingress listener's is larger)
     */
    static void http1(ChannelPipeline pipeline, ListenerConfig listener, int maxHeaderSize, ConnectionRefusals refusals,
            ChannelHandler api) {
        RequestHeadTimeout requestHead = new RequestHeadTimeout(listener.requestHeadTimeout(), refusals);
        pipeline.addLast("request-start", requestHead.firstBytes());
        pipeline.addLast("http", new HttpServerCodec(listener.maxUriLength(), maxHeaderSize, 8192));
        pipeline.addLast("request-head-timeout", requestHead);
        pipeline.addLast("expect-continue", new HttpServerExpectContinueHandler());
        pipeline.addLast("api", api);
    }
}
