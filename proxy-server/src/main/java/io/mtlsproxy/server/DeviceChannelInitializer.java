package io.mtlsproxy.server;

import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.server.admin.GatewayMetrics;
import io.mtlsproxy.server.admin.HandshakeMetricsHandler;
import io.mtlsproxy.server.http.ActiveRequests;
import io.mtlsproxy.server.http.ConnectionCaller;
import io.mtlsproxy.server.http.GatewayHttpHandler;
import io.mtlsproxy.server.limits.AbuseControls;
import io.mtlsproxy.server.limits.ProxyProtocol;
import io.mtlsproxy.server.limits.RequestHeadTimeout;
import io.mtlsproxy.server.limits.WriteTimeout;
import io.mtlsproxy.server.tls.ClientIdentityHandler;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The device listener's pipeline, in the order bytes flow through it:
 *
 * <pre>
 * accept ─► [PROXY v2 header, from trusted balancers only] ─► admission: allowlist, lockout of the
 *        address, connection limits, new-connection rate ─► [no PROXY header from anyone else]
 *        ─► write timeout ─► idle timeout ─► TLS ─► identity ─► request-head timeout ┬ HTTP codec ┴ ─► API
 * </pre>
 *
 * The admission checks need the client's real address, which behind a balancer only the PROXY
 * header gives. So the pipeline is built in steps, each a method below: {@link #initChannel} runs
 * at accept and, for a trusted balancer's connection, installs only the PROXY handlers, which pin
 * the header's source address and then call {@link #admitted}; every other connection goes there
 * at once. {@code admitted} runs the admission checks, and only for a connection they let through
 * goes on to {@link #secured} (with PROXY v2 on, a connection from elsewhere first shows that it
 * does not start with a header). A refused connection is closed before an SslHandler (or anything
 * else) exists for it, so refusing costs no TLS work and logs one line, not a failed handshake too.
 *
 * <p>{@code secured} takes the current configuration generation: one volatile read per new
 * connection, which then keeps that generation (certificate, policy, access rules, backends) until
 * it closes, whatever reloads happen meanwhile.
 */
final class DeviceChannelInitializer extends ChannelInitializer<Channel> {
    private final AtomicReference<Generation> current;
    private final HandshakeFailureLog handshakeFailures;
    private final ActiveRequests active;
    private final ChannelGroup connections;
    private final GatewayMetrics metrics;
    private final HandshakeMetricsHandler handshakeMetrics;
    private final AbuseControls abuse;
    private final ProxyProtocol proxyProtocol;

    /** @param listener the listener as started: its address checks and PROXY settings need a restart to change */
    DeviceChannelInitializer(AtomicReference<Generation> current, ListenerConfig listener,
            HandshakeFailureLog handshakeFailures, ActiveRequests active, ChannelGroup connections, GatewayMetrics metrics,
            AbuseControls abuse) {
        this.current = current;
        this.handshakeFailures = handshakeFailures;
        this.active = active;
        this.connections = connections;
        this.metrics = metrics;
        this.handshakeMetrics = new HandshakeMetricsHandler(metrics);
        this.abuse = abuse;
        this.proxyProtocol = new ProxyProtocol(listener, abuse.refusals());
    }

    @Override
    protected void initChannel(Channel channel) {
        if (proxyProtocol.fromTrustedProxy(channel)) {
            // the client's address is in the header: admission waits for it
            List<ChannelHandler> header = proxyProtocol.headerHandlers(this::admitted);
            channel.pipeline().addLast("proxy-protocol", header.get(0));
            channel.pipeline().addLast("proxy-source", header.get(1));
            return;
        }
        admitted(channel);
    }

    /** Once the client address is known: admission, then TLS and HTTP. */
    private void admitted(Channel channel) {
        if (!abuse.admit(channel)) {
            return; // closed, counted and logged
        }
        if (proxyProtocol.enabled() && channel.attr(ConnectionAttributes.CLIENT_ADDRESS).get() == null) {
            // only a trusted balancer may say where a connection comes from
            channel.pipeline().addLast("proxy-refusal", proxyProtocol.untrustedHeaderRefusal(this::secured));
            return;
        }
        secured(channel);
    }

    /** An admitted connection's TLS and HTTP handlers, from the generation in use now. */
    private void secured(Channel channel) {
        Generation generation = Generation.acquire(current, channel);
        if (generation == null) {
            channel.close(); // stopping: no generation serves connections any more
            return;
        }
        connections.add(channel);
        ListenerConfig listener = generation.config.listener();
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast("write-timeout", new WriteTimeout(listener.writeTimeout(), abuse.refusals()));
        // reader-idle only: watching writes too would hang a listener on every response's promise
        pipeline.addLast("idle", new IdleStateHandler(listener.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        pipeline.addLast("tls", tls(channel, generation));
        pipeline.addLast("handshake-metrics", handshakeMetrics);
        pipeline.addLast("identity", new ClientIdentityHandler(generation.authenticator, handshakeFailures,
                generation.asyncChecks, listener.mode()));
        RequestHeadTimeout requestHead = new RequestHeadTimeout(listener.requestHeadTimeout(), abuse.refusals());
        pipeline.addLast("request-start", requestHead.firstBytes());
        pipeline.addLast("http", new HttpServerCodec(listener.maxUriLength(), listener.maxHeaderSize(), 8192));
        pipeline.addLast("request-head-timeout", requestHead);
        pipeline.addLast("expect-continue", new HttpServerExpectContinueHandler());
        pipeline.addLast("api", new GatewayHttpHandler(generation.http, generation.reader, active,
                metrics.requestObserver(generation.http.originPath()), abuse.requests(), ConnectionCaller.INSTANCE));
    }

    private static SslHandler tls(Channel channel, Generation generation) {
        SslHandler handler = generation.sslContext.newHandler(channel.alloc());
        handler.setHandshakeTimeoutMillis(generation.config.listener().handshakeTimeout().toMillis());
        return handler;
    }
}
