package io.mtlsproxy.server.http2;

import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.server.ConnectionAttributes;
import io.mtlsproxy.server.limits.ConnectionRefusals;
import io.mtlsproxy.server.limits.RequestHeadTimeout;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.util.function.Supplier;

/**
 * One HTTP/2 stream's pipeline, in the order its frames flow: HTTP objects from frames, the head
 * made to look like HTTP/1.1's (with its URI limit), the request timeout, expect-continue, then the
 * same API handler as on HTTP/1.1. The
 * stream gets its connection's pinned identity and admission when it opens, so the API handler
 * sees one request on a channel that looks like an HTTP/1.1 connection with a known identity.
 * Whatever a stream does wrong closes that stream (a response, or RST_STREAM), not the connection.
 */
public final class Http2StreamInitializer extends ChannelInitializer<Http2StreamChannel> {
    private final ListenerConfig listener;
    private final ConnectionRefusals refusals;
    private final Supplier<ChannelHandler> api;

    /** @param api makes the API handler of one stream */
    public Http2StreamInitializer(ListenerConfig listener, ConnectionRefusals refusals, Supplier<ChannelHandler> api) {
        this.listener = listener;
        this.refusals = refusals;
        this.api = api;
    }

    @Override
    protected void initChannel(Http2StreamChannel stream) {
        ConnectionAttributes.shareWithStream(stream.parent(), stream);
        ChannelPipeline pipeline = stream.pipeline();
        // the header list's size was bounded by the codec (SETTINGS_MAX_HEADER_LIST_SIZE, answered 431)
        pipeline.addLast("http", new Http2StreamFrameToHttpObjectCodec(true));
        pipeline.addLast("request-head", new StreamRequestHead(listener.maxUriLength()));
        RequestHeadTimeout requestTimeout = new RequestHeadTimeout(listener.requestHeadTimeout(), refusals);
        pipeline.addLast("request-start", requestTimeout.streamStart());
        pipeline.addLast("request-head-timeout", requestTimeout);
        pipeline.addLast("expect-continue", new HttpServerExpectContinueHandler());
        pipeline.addLast("api", api.get());
    }
}
