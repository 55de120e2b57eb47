package io.mtlsproxy.server;

import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.server.admin.GatewayMetrics;
import io.mtlsproxy.server.admin.HandshakeMetricsHandler;
import io.mtlsproxy.server.http.ActiveRequests;
import io.mtlsproxy.server.http.ConnectionCaller;
import io.mtlsproxy.server.http.GatewayHttpHandler;
import io.mtlsproxy.server.http.RequestObserver;
import io.mtlsproxy.server.http2.Http2ConnectionGuard;
import io.mtlsproxy.server.http2.Http2StreamInitializer;
import io.mtlsproxy.server.http2.ProtocolSelection;
import io.mtlsproxy.server.limits.AbuseControls;
import io.mtlsproxy.server.limits.Http2HeaderBlockTimeout;
import io.mtlsproxy.server.limits.ProxyProtocol;
import io.mtlsproxy.server.tls.ClientIdentityHandler;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The device listener's pipeline, in the order bytes flow through it:
 *
 * <pre>
 * accept ─► [PROXY v2 header, from trusted balancers only] ─► admission: allowlist, lockout of the
 *        address, connection limits, new-connection rate ─► [no PROXY header from anyone else]
 *        ─► write timeout ─► idle timeout ─► TLS ─► [protocol] ─► identity ─► request-head timeout ┬ HTTP codec ┴ ─► API
 * </pre>
 *
 * With {@code listener.http2} on, ALPN may choose {@code h2}: once the identity is pinned, the
 * protocol handler swaps the HTTP/1.1 handlers after the identity for HTTP/2's, and each stream gets
 * its own pipeline ({@link Http2StreamInitializer}) ending in the same API handler:
 *
 * <pre>
 *        ... ─► TLS ─► header-block timeout ─► HTTP/2 frames ─► streams ─► connection guard
 *                        stream ─► HTTP objects ─► request head (URI limit) ─► request timeout ─► expect-continue ─► API
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
        ListenerPipelines.timeouts(pipeline, listener, abuse.refusals());
        pipeline.addLast("tls", ListenerPipelines.tls(generation.sslContext, channel, listener));
        pipeline.addLast("handshake-metrics", handshakeMetrics);
        if (listener.http2()) {
            pipeline.addLast("protocol", new ProtocolSelection(ListenerPipelines.HTTP1_HANDLERS, h2 -> http2(h2, generation)));
        }
        pipeline.addLast("identity", new ClientIdentityHandler(generation.authenticator, handshakeFailures,
                generation.asyncChecks, listener.mode()));
        ListenerPipelines.http1(pipeline, listener, listener.maxHeaderSize(), abuse.refusals(), new GatewayHttpHandler(
                generation.http, generation.reader, active, metrics.requestObserver(generation.http.originPath()),
                abuse.requests(), ConnectionCaller.INSTANCE));
    }

    /** An h2 connection's handlers, in place of the HTTP/1.1 ones; the limits are the listener's. */
    private void http2(ChannelPipeline pipeline, Generation generation) {
        ListenerConfig listener = generation.config.listener();
        Http2FrameCodec frames = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxHeaderListSize(listener.maxHeaderSize())
                        .maxConcurrentStreams(listener.maxConcurrentStreams()))
                // after GOAWAY (stop, revocation, a reload's drain) the open streams may finish: a stream
                // takes at most this long to arrive in full and be answered, and one that takes longer is cut
                .gracefulShutdownTimeoutMillis(listener.requestHeadTimeout().plus(listener.requestTimeout()).toMillis())
                .build(); // Netty's defaults stay on: rapid-reset, empty-DATA and CONTINUATION flood limits
        RequestObserver observer = metrics.requestObserver(generation.http.originPath());
        pipeline.addLast("h2-header-timeout", new Http2HeaderBlockTimeout(listener.requestHeadTimeout(), abuse.refusals()));
        pipeline.addLast("h2", frames);
        pipeline.addLast("h2-streams", new Http2MultiplexHandler(new Http2StreamInitializer(listener, abuse.refusals(),
                () -> new GatewayHttpHandler(generation.http, generation.reader, active, observer, abuse.requests(),
                        ConnectionCaller.INSTANCE))));
        pipeline.addLast("h2-connection", new Http2ConnectionGuard(frames.connection(), active));
    }
}
