package io.mtlsproxy.server;

import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.server.admin.GatewayMetrics;
import io.mtlsproxy.server.admin.HandshakeMetricsHandler;
import io.mtlsproxy.server.http.ActiveRequests;
import io.mtlsproxy.server.http.GatewayHttpHandler;
import io.mtlsproxy.server.tls.ClientIdentityHandler;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
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
 * The device listener's pipeline, in the order bytes flow through it, built from the current
 * configuration generation: one volatile read per new connection, which then keeps that
 * generation (certificate, policy, access rules, backends) until it closes, whatever reloads
 * happen meanwhile.
 */
final class DeviceChannelInitializer extends ChannelInitializer<Channel> {
    private final AtomicReference<Generation> current;
    private final HandshakeFailureLog handshakeFailures;
    private final ActiveRequests active;
    private final ChannelGroup connections;
    private final GatewayMetrics metrics;
    private final HandshakeMetricsHandler handshakeMetrics;

    DeviceChannelInitializer(AtomicReference<Generation> current, HandshakeFailureLog handshakeFailures,
            ActiveRequests active, ChannelGroup connections, GatewayMetrics metrics) {
        this.current = current;
        this.metrics = metrics;
        this.handshakeMetrics = new HandshakeMetricsHandler(metrics);
        this.handshakeFailures = handshakeFailures;
        this.active = active;
        this.connections = connections;
    }

    @Override
    protected void initChannel(Channel channel) {
        Generation generation = acquire(channel);
        if (generation == null) {
            channel.close(); // stopping: no generation serves connections any more
            return;
        }
        connections.add(channel);
        ListenerConfig listener = generation.config.listener();
        ChannelPipeline pipeline = channel.pipeline();
        // reader-idle only: watching writes too would hang a listener on every response's promise
        pipeline.addLast("idle", new IdleStateHandler(listener.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        pipeline.addLast("tls", tls(channel, generation));
        pipeline.addLast("handshake-metrics", handshakeMetrics);
        pipeline.addLast("identity", new ClientIdentityHandler(generation.authenticator, handshakeFailures,
                generation.asyncChecks, listener.mode()));
        pipeline.addLast("http", new HttpServerCodec(listener.maxUriLength(), listener.maxHeaderSize(), 8192));
        pipeline.addLast("expect-continue", new HttpServerExpectContinueHandler());
        pipeline.addLast("api", new GatewayHttpHandler(generation.http, generation.reader, active,
                metrics.requestObserver(generation.http.originPath())));
    }

    /** The current generation, held for this channel; a reload may retire it between the read and the hold. */
    private Generation acquire(Channel channel) {
        while (true) {
            Generation generation = current.get();
            if (generation.tryAcquire(channel)) {
                return generation;
            }
            if (current.get() == generation) {
                return null;
            }
        }
    }

    private static SslHandler tls(Channel channel, Generation generation) {
        SslHandler handler = generation.sslContext.newHandler(channel.alloc());
        handler.setHandshakeTimeoutMillis(generation.config.listener().handshakeTimeout().toMillis());
        return handler;
    }
}
