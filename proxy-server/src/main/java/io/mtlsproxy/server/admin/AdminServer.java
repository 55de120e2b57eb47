package io.mtlsproxy.server.admin;

import io.mtlsproxy.core.config.AdminConfig;
import io.mtlsproxy.core.config.AdminTlsConfig;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.pki.KeyMaterial;
import io.mtlsproxy.core.pki.PemFiles;
import io.mtlsproxy.core.pki.PkiException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener: {@code /healthz}, {@code /readyz}, {@code /metrics} and {@code POST /reload}
 * on a port of its own, loopback by default, with one event-loop thread of its own, so a scrape
 * or a probe never competes with devices on their event loops and a device can never reach it
 * through the device listener. It owns its TLS context (BoringSSL's is reference-counted) and
 * releases it when it stops.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final EventLoopGroup group;
    private final Channel channel;
    /** Null for plain HTTP. */
    private final SslContext tls;
    private final AtomicBoolean closed = new AtomicBoolean();

    private AdminServer(EventLoopGroup group, Channel channel, SslContext tls) {
        this.group = group;
        this.channel = channel;
        this.tls = tls;
    }

    /**
     * Binds the admin listener; nothing is left running when it throws.
     *
     * @param reload the hook {@code POST /reload} calls; it can be replaced later (see {@link AdminEndpoints})
     * @throws ConfigException when its TLS material cannot be read or the address cannot be bound
     */
    public static AdminServer start(AdminConfig config, GatewayMetrics metrics, Readiness readiness,
            AtomicReference<ReloadHook> reload) throws ConfigException, InterruptedException {
        Objects.requireNonNull(reload, "reload");
        AdminEndpoints endpoints = new AdminEndpoints(metrics, readiness, reload);
        SslContext tls = config.tls() == null ? null : sslContext(config.tls());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("mtls-admin", true),
                NioIoHandler.newFactory());
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childHandler(new AdminChannelInitializer(tls, endpoints))
                    .bind(config.bind(), config.port())
                    .sync()
                    .channel();
            AdminServer server = new AdminServer(group, channel, tls);
            log.info("admin listening on {}:{} ({})", config.bind(), server.address().getPort(),
                    tls == null ? "plain HTTP" : "TLS, client certificates required");
            return server;
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            ReferenceCountUtil.release(tls); // not bound: no connection ever used it
            if (e instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            throw new ConfigException("admin: cannot listen on " + config.bind() + ":" + config.port() + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    /** The bound address (the port is useful when the config asked for 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    public boolean isActive() {
        return channel.isActive();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        ReferenceCountUtil.release(tls); // after the loop: its connections' engines have let go of theirs
    }

    private static SslContext sslContext(AdminTlsConfig tls) throws ConfigException {
        KeyMaterial key;
        try {
            key = PemFiles.readKeyMaterial(tls.certificate(), tls.privateKey(),
                    tls.privateKeyPassword() == null ? null : tls.privateKeyPassword().toChars());
        } catch (PkiException e) {
            throw new ConfigException("admin.tls.certificate/privateKey: " + e.getMessage(), e);
        }
        List<X509Certificate> anchors = new ArrayList<>();
        for (int i = 0; i < tls.trustAnchors().size(); i++) {
            Path file = tls.trustAnchors().get(i);
            try {
                anchors.addAll(PemFiles.readCertificates(file));
            } catch (PkiException e) {
                throw new ConfigException("admin.tls.trustAnchors[" + i + "]: " + e.getMessage(), e);
            }
        }
        try {
            // the JDK's PKIX validation of operator certificates: a handful of clients, no policy engine needed;
            // BoringSSL when it loads (as Netty's default would pick), reference-counted like the device listener's
            return SslContextBuilder.forServer(key.privateKey(), key.chain())
                    .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL_REFCNT : SslProvider.JDK)
                    .clientAuth(ClientAuth.REQUIRE)
                    .trustManager(anchors)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (SSLException | RuntimeException e) {
            throw new ConfigException("admin.tls: the TLS context cannot be built: " + e.getMessage(), e);
        }
    }
}
