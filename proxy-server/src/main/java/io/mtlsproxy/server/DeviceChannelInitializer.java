package io.mtlsproxy.server;

import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.policy.ClientAuthenticator;
import io.mtlsproxy.server.admin.GatewayMetrics;
import io.mtlsproxy.server.admin.HandshakeMetricsHandler;
import io.mtlsproxy.server.http.ActiveRequests;
import io.mtlsproxy.server.http.RequestObserver;
import io.mtlsproxy.server.http.GatewayHttpHandler;
import io.mtlsproxy.server.http.HttpSettings;
import io.mtlsproxy.server.http.SecretReader;
import io.mtlsproxy.server.tls.AsyncAdmission;
import io.mtlsproxy.server.tls.ClientIdentityHandler;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/** The device listener's pipeline, in the order bytes flow through it. */
final class DeviceChannelInitializer extends ChannelInitializer<Channel> {
    private final SslContext sslContext;
    private final ListenerConfig listener;
    private final ClientAuthenticator authenticator;
    private final HandshakeFailureLog handshakeFailures;
    private final AsyncAdmission asyncChecks;
    private final HttpSettings httpSettings;
    private final SecretReader reader;
    private final ActiveRequests active;
    private final ChannelGroup connections;
    private final RequestObserver requestObserver;
    private final HandshakeMetricsHandler handshakeMetrics;

    DeviceChannelInitializer(SslContext sslContext, ListenerConfig listener, ClientAuthenticator authenticator,
            HandshakeFailureLog handshakeFailures, AsyncAdmission asyncChecks, HttpSettings httpSettings, SecretReader reader,
            ActiveRequests active, ChannelGroup connections, GatewayMetrics metrics) {
        this.requestObserver = metrics.requestObserver(httpSettings.originPath());
        this.handshakeMetrics = new HandshakeMetricsHandler(metrics);
        this.handshakeFailures = handshakeFailures;
        this.asyncChecks = asyncChecks;
        this.sslContext = sslContext;
        this.listener = listener;
        this.authenticator = authenticator;
        this.httpSettings = httpSettings;
        this.reader = reader;
        this.active = active;
        this.connections = connections;
    }

    @Override
    protected void initChannel(Channel channel) {
        connections.add(channel);
        ChannelPipeline pipeline = channel.pipeline();
        // reader-idle only: watching writes too would hang a listener on every response's promise
        pipeline.addLast("idle", new IdleStateHandler(listener.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        pipeline.addLast("tls", tls(channel));
        pipeline.addLast("handshake-metrics", handshakeMetrics);
        pipeline.addLast("identity", new ClientIdentityHandler(authenticator, handshakeFailures, asyncChecks,
                listener.mode()));
        pipeline.addLast("http", new HttpServerCodec(listener.maxUriLength(), listener.maxHeaderSize(), 8192));
        pipeline.addLast("expect-continue", new HttpServerExpectContinueHandler());
        pipeline.addLast("api", new GatewayHttpHandler(httpSettings, reader, active, requestObserver));
    }

    private SslHandler tls(Channel channel) {
        SslHandler handler = sslContext.newHandler(channel.alloc());
        handler.setHandshakeTimeoutMillis(listener.handshakeTimeout().toMillis());
        return handler;
    }
}
