package io.mtlsproxy.server;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.backends.SecretBackends;
import io.mtlsproxy.core.audit.AuditSink;
import io.mtlsproxy.core.config.AccessRuleConfig;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.core.config.PolicyConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.KeyMaterial;
import io.mtlsproxy.policy.AccessRules;
import io.mtlsproxy.policy.ClientAuthenticator;
import io.mtlsproxy.policy.ClientCertificatePolicy;
import io.mtlsproxy.policy.TrustMaterial;
import io.mtlsproxy.server.http.ActiveRequests;
import io.mtlsproxy.server.http.HttpSettings;
import io.mtlsproxy.server.http.SecretReader;
import io.mtlsproxy.server.limits.AbuseControls;
import io.mtlsproxy.server.tls.AsyncAdmission;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
import io.mtlsproxy.server.tls.ServerTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds policy, access rules, backends and the one SslContext from a
 * validated configuration, binds the device listener, and drains it on stop.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);
    /**
     * Caffeine logs every failed load (each 404 included) with a stack trace at WARNING through
     * java.util.logging; the gateway logs failures itself, once and without traces. Held in a
     * field because java.util.logging keeps loggers only weakly.
     */
    private static final java.util.logging.Logger CAFFEINE_ASYNC_LOG = quiet("com.github.benmanes.caffeine.cache.LocalAsyncCache");

    private final GatewayConfig config;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final ChannelGroup connections;
    private final ActiveRequests active;
    private final SecretBackends secrets;
    private final ExecutorService secretIo;
    private final HandshakeFailureLog handshakeFailures;
    private final CertificateChecks checks;
    private final AbuseControls abuse;
    private volatile boolean stopped;

    private Gateway(GatewayConfig config, EventLoopGroup group, Channel serverChannel, ChannelGroup connections,
            ActiveRequests active, SecretBackends secrets, ExecutorService secretIo, HandshakeFailureLog handshakeFailures,
            CertificateChecks checks, AbuseControls abuse) {
        this.abuse = abuse;
        this.handshakeFailures = handshakeFailures;
        this.checks = checks;
        this.config = config;
        this.group = group;
        this.serverChannel = serverChannel;
        this.connections = connections;
        this.active = active;
        this.secrets = secrets;
        this.secretIo = secretIo;
    }

    /** Builds everything and binds the listener; nothing is left running when it throws. */
    public static Gateway start(GatewayConfig config, Map<String, String> environment, AuditSink audit)
            throws ConfigException, InterruptedException {
        return start(config, environment, audit, CertificateChecks.EntraCheckFactory.FROM_CONFIG);
    }

    static Gateway start(GatewayConfig config, Map<String, String> environment, AuditSink audit,
            CertificateChecks.EntraCheckFactory entraChecks) throws ConfigException, InterruptedException {
        return start(config, environment, audit, entraChecks, Ticker.systemTicker());
    }

    /** As above, with the abuse controls (rate limits, lockout) on {@code limitsTicker}: tests drive it. */
    static Gateway start(GatewayConfig config, Map<String, String> environment, AuditSink audit,
            CertificateChecks.EntraCheckFactory entraChecks, Ticker limitsTicker) throws ConfigException, InterruptedException {
        ExecutorService secretIo = Executors.newFixedThreadPool(4, daemonThreads("secret-io"));
        SecretBackends secrets;
        try {
            secrets = SecretBackends.fromConfig(config.secrets(), environment, secretIo, Ticker.systemTicker());
        } catch (ConfigException | RuntimeException e) {
            secretIo.shutdownNow();
            throw e;
        }
        return start(config, secrets, secretIo, audit, entraChecks, limitsTicker);
    }

    /**
     * As {@link #start(GatewayConfig, Map, AuditSink)} with backends built by the caller; the
     * gateway owns them (and their executor) from here on and closes them on stop.
     */
    static Gateway start(GatewayConfig config, SecretBackends secrets, ExecutorService secretIo, AuditSink audit)
            throws ConfigException, InterruptedException {
        return start(config, secrets, secretIo, audit, CertificateChecks.EntraCheckFactory.FROM_CONFIG);
    }

    /** As above, with the Entra device check made by {@code entraChecks} (tests point it at their own Graph). */
    static Gateway start(GatewayConfig config, SecretBackends secrets, ExecutorService secretIo, AuditSink audit,
            CertificateChecks.EntraCheckFactory entraChecks) throws ConfigException, InterruptedException {
        return start(config, secrets, secretIo, audit, entraChecks, Ticker.systemTicker());
    }

    static Gateway start(GatewayConfig config, SecretBackends secrets, ExecutorService secretIo, AuditSink audit,
            CertificateChecks.EntraCheckFactory entraChecks, Ticker limitsTicker) throws ConfigException, InterruptedException {
        try {
            return build(config, secrets, secretIo, audit, entraChecks, limitsTicker);
        } catch (ConfigException | InterruptedException | RuntimeException e) {
            secrets.close();
            secretIo.shutdownNow();
            throw e;
        }
    }

    private static Gateway build(GatewayConfig config, SecretBackends secrets, ExecutorService secretIo, AuditSink audit,
            CertificateChecks.EntraCheckFactory entraChecks, Ticker limitsTicker) throws ConfigException, InterruptedException {
        Clock clock = Clock.systemUTC();
        PolicyConfig policyConfig = config.policy();
        TrustMaterial trust = TrustMaterial.load(config.tls(), policyConfig);
        CertificateChecks checks = CertificateChecks.build(config, trust, clock, entraChecks);
        try {
            return bind(config, secrets, secretIo, audit, clock, trust, checks, limitsTicker);
        } catch (ConfigException | InterruptedException | RuntimeException e) {
            checks.close();
            throw e;
        }
    }

    private static Gateway bind(GatewayConfig config, SecretBackends secrets, ExecutorService secretIo, AuditSink audit,
            Clock clock, TrustMaterial trust, CertificateChecks checks, Ticker limitsTicker)
            throws ConfigException, InterruptedException {
        PolicyConfig policyConfig = config.policy();
        ClientCertificatePolicy policy = checks.policy();
        ClientAuthenticator authenticator = new ClientAuthenticator(policy, policyConfig, Ticker.systemTicker(), clock);
        AccessRules accessRules = AccessRules.fromConfig(config.access());
        warnAboutBroadGrants(config);
        KeyMaterial serverKey = ServerTls.loadKeyMaterial(config.tls());
        SslContext sslContext = ServerTls.build(config.tls(), config.listener().tlsProvider(), config.listener().mode(),
                serverKey, authenticator, trust.acceptedIssuers());
        AbuseControls abuse = AbuseControls.fromConfig(config.limits(), config.listener(), limitsTicker);
        HandshakeFailureLog handshakeFailures = new HandshakeFailureLog(abuse::handshakeRefused);
        AsyncAdmission asyncChecks = new AsyncAdmission(checks.asyncChecks(), config.listener().mode(), clock,
                policyConfig.clockSkew(), handshakeFailures);

        SecretReader reader = new SecretReader(accessRules, secrets, audit, clock, config.listener().requestTimeout());
        HttpSettings http = HttpSettings.of(config.listener().maxBodySize(),
                config.origin().enabled() ? config.origin().path() : null, clock, validationMethods(config),
                policyConfig.chainValidation(), defaultBackendType(config),
                checks.routeGuard(config.apiRoute(), config.listener().mode(), clock, policyConfig.clockSkew(), handshakeFailures),
                checks.routeGuard(config.originRoute(), config.listener().mode(), clock, policyConfig.clockSkew(), handshakeFailures));

        ListenerConfig listener = config.listener();
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        // one event loop per core (Netty's default is two): TLS work is CPU-bound, extra loops only switch
        int ioThreads = listener.ioThreads() > 0 ? listener.ioThreads() : Runtime.getRuntime().availableProcessors();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("mtls-io", true), io);
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ChannelGroup connections = new DefaultChannelGroup("device-connections", GlobalEventExecutor.INSTANCE);
        ActiveRequests active = new ActiveRequests();
        try {
            Channel serverChannel = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new DeviceChannelInitializer(sslContext, listener, authenticator, handshakeFailures,
                            asyncChecks, http, reader, active, connections, abuse))
                    .bind(listener.bind(), listener.port())
                    .sync()
                    .channel();
            Gateway gateway = new Gateway(config, group, serverChannel, connections, active, secrets, secretIo,
                    handshakeFailures, checks, abuse);
            checks.onRevocationChange(() -> {
                // new revocation data: forget validated chains, and drop live connections now revoked
                authenticator.invalidateAll();
                gateway.closeConnections(checks::isRevoked, "revoked");
            });
            checks.start();
            log.info("mtls-proxy listening on {}:{} ({} transport, {} backends, {} access rules)", listener.bind(),
                    gateway.port(), epoll ? "epoll" : "nio", config.secrets().backends().size(), config.access().rules().size());
            return gateway;
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            if (e instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            throw new ConfigException("listener: cannot listen on " + listener.bind() + ":" + listener.port() + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    /** The bound port (useful when the config asked for port 0). */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public GatewayConfig config() {
        return config;
    }

    /**
     * Closes every live connection whose pinned identity matches, e.g. after a revocation update
     * revoked it; the device must reconnect and pass the policy again. Safe from any thread.
     *
     * @return how many connections were closed
     */
    public int closeConnections(Predicate<ClientIdentity> matches, String cause) {
        int closed = 0;
        for (Channel channel : connections) {
            ClientIdentity identity = channel.attr(ConnectionAttributes.CLIENT_IDENTITY).get();
            if (identity != null && matches.test(identity)) {
                log.info("closing connection client={} cause={} subject={}", HandshakeFailureLog.address(channel), cause,
                        identity.subject());
                channel.close();
                closed++;
            }
        }
        return closed;
    }

    /** Rate limits, connection limits, lockout, timeouts and PROXY refusals, with their counters. */
    public AbuseControls limits() {
        return abuse;
    }

    /** Refusals and audit-mode violations by cause, counted since start. */
    public HandshakeFailureLog refusals() {
        return handshakeFailures;
    }

    /**
     * Stops accepting, lets in-flight requests finish for up to {@code grace} (their responses
     * close the connection), then closes every connection and releases the threads.
     */
    public synchronized void stop(Duration grace) {
        if (stopped) {
            return;
        }
        stopped = true;
        serverChannel.close().syncUninterruptibly();
        active.drain();
        long deadline = System.nanoTime() + grace.toNanos();
        while (active.inFlight() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int unfinished = active.inFlight();
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        checks.close();
        secrets.close();
        secretIo.shutdownNow();
        if (unfinished > 0) {
            log.warn("stopped with {} requests unfinished after the {} grace period", unfinished, grace);
        } else {
            log.info("stopped");
        }
    }

    @Override
    public void close() {
        stop(config.listener().shutdownGrace());
    }

    /** The origin's method names, for its Diagnostics.ValidationMethod. */
    static String validationMethods(GatewayConfig config) {
        PolicyConfig policy = config.policy();
        List<String> methods = new ArrayList<>(3);
        if (config.listenerPolicyUsesEntra() || config.usesEntra(config.origin().policy())) {
            methods.add("EntraDeviceCert");
        }
        if (policy.chainValidation()) {
            methods.add("CertChainValidation");
        }
        if (!policy.allowedThumbprints().isEmpty()) {
            methods.add("TrustedThumbprints");
        }
        return String.join("+", methods);
    }

    private static String defaultBackendType(GatewayConfig config) {
        String name = config.secrets().effectiveDefaultBackend();
        return config.secrets().backends().stream().filter(b -> b.name().equals(name)).findFirst()
                .map(b -> b.type()).orElse("none");
    }

    private static void warnAboutBroadGrants(GatewayConfig config) {
        for (AccessRuleConfig rule : config.access().rules()) {
            if (rule.match() != null && rule.match().anyAuthenticated() && rule.secrets().contains("*")) {
                log.warn("access rule '{}' lets every authenticated device read every secret (the origin's behaviour); "
                        + "scope it with access.rules in a YAML config", rule.name());
            }
        }
        if (config.access().rules().isEmpty()) {
            log.warn("no access rules: every secret read will be refused (deny by default)");
        }
    }

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.SEVERE);
        return logger;
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
