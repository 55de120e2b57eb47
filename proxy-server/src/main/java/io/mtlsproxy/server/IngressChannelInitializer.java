package io.mtlsproxy.server;

import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.server.admin.GatewayMetrics;
import io.mtlsproxy.server.http.ActiveRequests;
import io.mtlsproxy.server.http.GatewayHttpHandler;
import io.mtlsproxy.server.limits.AbuseControls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
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
        ListenerPipelines.timeouts(pipeline, listener, abuse.refusals());
        if (generation.ingressSslContext != null) {
            pipeline.addLast("tls", ListenerPipelines.tls(generation.ingressSslContext, channel, listener));
        }
        ListenerPipelines.http1(pipeline, listener, generation.config.ingress().maxHeaderSize(), abuse.refusals(),
                new GatewayHttpHandler(generation.http, generation.reader, active,
                        metrics.requestObserver(generation.http.originPath()), abuse.requests().identitiesOnly(),
                        generation.ingress.callersOf(channel)));
    }
}
