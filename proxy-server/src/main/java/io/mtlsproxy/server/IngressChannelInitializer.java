package io.mtlsproxy.server;

import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.server.admin.GatewayMetrics;
import io.mtlsproxy.server.http.ActiveRequests;
import io.mtlsproxy.server.http.GatewayHttpHandler;
import io.mtlsproxy.server.limits.AbuseControls;
import io.mtlsproxy.server.limits.RequestHeadTimeout;
import io.mtlsproxy.server.limits.WriteTimeout;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The behind-ingress listener's pipeline, in the order bytes flow through it:
 *
 * <pre>
 * accept ─► write timeout ─► idle timeout ─► [TLS, server certificate only] ─► request-head timeout
 *        ┬ HTTP codec ┴ ─► API (each request's caller from its forwarded certificate)
 * </pre>
 *
 * The ingress authenticated the device; this listener asks for no certificate. What it does with
 * the forwarded one is in {@link io.mtlsproxy.server.ingress.ForwardedIdentities}. The address
 * limits and lockout of the device listener do not apply here: every connection comes from an
 * ingress, on behalf of many devices, whose identities are limited one by one instead.
 */
final class IngressChannelInitializer extends ChannelInitializer<Channel> {
    private final AtomicReference<Generation> current;
    private final ActiveRequests active;
    private final ChannelGroup connections;
    private final GatewayMetrics metrics;
    private final AbuseControls abuse;

    IngressChannelInitializer(AtomicReference<Generation> current, ActiveRequests active, ChannelGroup connections,
            GatewayMetrics metrics, AbuseControls abuse) {
        this.current = current;
        this.active = active;
        this.connections = connections;
        this.metrics = metrics;
        this.abuse = abuse;
    }

    @Override
    protected void initChannel(Channel channel) {
        Generation generation = Generation.acquire(current, channel);
        if (generation == null || generation.ingress == null) {
            channel.close(); // stopping, or a reload turned the section's formats off: serve nothing
            return;
        }
        connections.add(channel);
        ListenerConfig listener = generation.config.listener();
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast("write-timeout", new WriteTimeout(listener.writeTimeout(), abuse.refusals()));
        pipeline.addLast("idle", new IdleStateHandler(listener.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        if (generation.ingressSslContext != null) {
            SslHandler tls = generation.ingressSslContext.newHandler(channel.alloc());
            tls.setHandshakeTimeoutMillis(listener.handshakeTimeout().toMillis());
            pipeline.addLast("tls", tls);
        }
        RequestHeadTimeout requestHead = new RequestHeadTimeout(listener.requestHeadTimeout(), abuse.refusals());
        pipeline.addLast("request-start", requestHead.firstBytes());
        pipeline.addLast("http", new HttpServerCodec(listener.maxUriLength(), generation.config.ingress().maxHeaderSize(), 8192));
        pipeline.addLast("request-head-timeout", requestHead);
        pipeline.addLast("expect-continue", new HttpServerExpectContinueHandler());
        pipeline.addLast("api", new GatewayHttpHandler(generation.http, generation.reader, active,
                metrics.requestObserver(generation.http.originPath()), abuse.requests().identitiesOnly(),
                generation.ingress.callersOf(channel)));
    }
}
