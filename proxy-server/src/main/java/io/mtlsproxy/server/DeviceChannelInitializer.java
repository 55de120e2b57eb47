package io.mtlsproxy.server;

import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.policy.ClientAuthenticator;
import io.mtlsproxy.server.http.ActiveRequests;
import io.mtlsproxy.server.http.GatewayHttpHandler;
import io.mtlsproxy.server.http.HttpSettings;
import io.mtlsproxy.server.http.SecretReader;
import io.mtlsproxy.server.limits.AbuseControls;
import io.mtlsproxy.server.limits.ProxyProtocol;
import io.mtlsproxy.server.limits.RequestHeadTimeout;
import io.mtlsproxy.server.limits.WriteTimeout;
import io.mtlsproxy.server.tls.AsyncAdmission;
import io.mtlsproxy.server.tls.ClientIdentityHandler;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
 */
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
    private final AbuseControls abuse;
    private final ProxyProtocol proxyProtocol;

    DeviceChannelInitializer(SslContext sslContext, ListenerConfig listener, ClientAuthenticator authenticator,
            HandshakeFailureLog handshakeFailures, AsyncAdmission asyncChecks, HttpSettings httpSettings, SecretReader reader,
            ActiveRequests active, ChannelGroup connections, AbuseControls abuse) {
        this.handshakeFailures = handshakeFailures;
        this.asyncChecks = asyncChecks;
        this.sslContext = sslContext;
        this.listener = listener;
        this.authenticator = authenticator;
        this.httpSettings = httpSettings;
        this.reader = reader;
        this.active = active;
        this.connections = connections;
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
        connections.add(channel);
        if (proxyProtocol.enabled() && channel.attr(ConnectionAttributes.CLIENT_ADDRESS).get() == null) {
            // only a trusted balancer may say where a connection comes from
            channel.pipeline().addLast("proxy-refusal", proxyProtocol.untrustedHeaderRefusal(this::secured));
            return;
        }
        secured(channel);
    }

    /** An admitted connection's TLS and HTTP handlers. */
    private void secured(Channel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast("write-timeout", new WriteTimeout(listener.writeTimeout(), abuse.refusals()));
        // reader-idle only: watching writes too would hang a listener on every response's promise
        pipeline.addLast("idle", new IdleStateHandler(listener.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        pipeline.addLast("tls", tls(channel));
        pipeline.addLast("identity", new ClientIdentityHandler(authenticator, handshakeFailures, asyncChecks,
                listener.mode()));
        RequestHeadTimeout requestHead = new RequestHeadTimeout(listener.requestHeadTimeout(), abuse.refusals());
        pipeline.addLast("request-start", requestHead.firstBytes());
        pipeline.addLast("http", new HttpServerCodec(listener.maxUriLength(), listener.maxHeaderSize(), 8192));
        pipeline.addLast("request-head-timeout", requestHead);
        pipeline.addLast("expect-continue", new HttpServerExpectContinueHandler());
        pipeline.addLast("api", new GatewayHttpHandler(httpSettings, reader, active, abuse.requests()));
    }

    private SslHandler tls(Channel channel) {
        SslHandler handler = sslContext.newHandler(channel.alloc());
        handler.setHandshakeTimeoutMillis(listener.handshakeTimeout().toMillis());
        return handler;
    }
}
