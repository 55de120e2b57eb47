package io.mtlsproxy.server.admin;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.util.concurrent.TimeUnit;

/** The admin listener's pipeline, in the order bytes flow through it. */
final class AdminChannelInitializer extends ChannelInitializer<Channel> {
    /** Probes and scrapes send small requests; nothing here reads a body. */
    static final int MAX_BODY = 4096;

    private final SslContext tls;
    private final AdminEndpoints endpoints;

    AdminChannelInitializer(SslContext tls, AdminEndpoints endpoints) {
        this.tls = tls;
        this.endpoints = endpoints;
    }

    @Override
    protected void initChannel(Channel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast("idle", new ReadTimeoutHandler(60, TimeUnit.SECONDS));
        if (tls != null) {
            SslHandler handler = tls.newHandler(channel.alloc());
            handler.setHandshakeTimeoutMillis(10_000);
            pipeline.addLast("tls", handler);
        }
        pipeline.addLast("http", new HttpServerCodec(4096, 8192, 8192));
        pipeline.addLast("aggregate", new HttpObjectAggregator(MAX_BODY));
        pipeline.addLast("endpoints", new AdminHttpHandler(endpoints));
    }
}
