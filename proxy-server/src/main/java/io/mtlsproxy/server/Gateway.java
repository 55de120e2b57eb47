package io.mtlsproxy.server;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.backends.SecretBackends;
import io.mtlsproxy.core.audit.AuditSink;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.core.config.IngressConfig;
import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.micrometer.core.instrument.FunctionCounter;
import io.mtlsproxy.server.admin.GatewayMetrics;
import io.mtlsproxy.server.admin.GatewayReadiness;
import io.mtlsproxy.server.admin.Operations;
import io.mtlsproxy.server.admin.ReloadHook;
import io.mtlsproxy.server.admin.ReloadOutcome;
import io.mtlsproxy.server.http.ActiveRequests;
import io.mtlsproxy.server.limits.AbuseControls;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
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
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds a {@link Generation} (policy, access rules, backends, the
 * SslContext) from a validated configuration, binds the device listener, swaps in a new
 * generation on reload, and drains the listener on stop.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    private final ConfigSource source;
    private final Generation.Parts parts;
    private final AtomicReference<Generation> current;
    /** Every generation not yet released: the current one and those still serving connections opened on them. */
    private final Set<Generation> live = ConcurrentHashMap.newKeySet();
    private final ListenerConfig running;
    private final GatewayConfig started;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final Channel ingressChannel; // null without the behind-ingress listener
    private final ChannelGroup connections;
    private final ActiveRequests active;
    private final ExecutorService secretIo;
    private final HandshakeFailureLog handshakeFailures;
    /** Reloads run here one at a time, off the event loops; also the debounce timer and generation clean-up. */
    private final ScheduledExecutorService reloader;
    private final FileWatcher watcher;
    private final LongAdder reloads = new LongAdder();
    private final LongAdder reloadFailures = new LongAdder();
    private final List<Consumer<ReloadResult>> reloadListeners = new CopyOnWriteArrayList<>();
    private long generations;
    private final Operations operations;
    private final AbuseControls abuse;
    private volatile boolean stopped;

    private Gateway(ConfigSource source, Generation.Parts parts, AtomicReference<Generation> current, EventLoopGroup group,
            Channel serverChannel, Channel ingressChannel, ChannelGroup connections, ActiveRequests active, ExecutorService secretIo,
            HandshakeFailureLog handshakeFailures, ScheduledExecutorService reloader, Operations operations,
            AbuseControls abuse) {
        this.operations = operations;
        this.abuse = abuse;
        this.source = source;
        this.parts = parts;
        this.current = current;
        this.started = current.get().config;
        this.running = started.listener();
        this.group = group;
        this.serverChannel = serverChannel;
        this.ingressChannel = ingressChannel;
        this.connections = connections;
        this.active = active;
        this.secretIo = secretIo;
        this.handshakeFailures = handshakeFailures;
        this.reloader = reloader;
        this.generations = current.get().number;
        this.watcher = startWatcher(started);
    }

    /** Builds everything and binds the listener; nothing is left running when it throws. */
    public static Gateway start(GatewayConfig config, Map<String, String> environment, AuditSink audit)
            throws ConfigException, InterruptedException {
        return start(ConfigSource.fixed(config), config, environment, audit, CertificateChecks.EntraCheckFactory.FROM_CONFIG);
    }

    /**
     * As {@link #start(GatewayConfig, Map, AuditSink)}, with {@code config} as loaded from
     * {@code source}: a reload loads it from there again.
     */
    public static Gateway start(ConfigSource source, GatewayConfig config, Map<String, String> environment, AuditSink audit)
            throws ConfigException, InterruptedException {
        return start(source, config, environment, audit, CertificateChecks.EntraCheckFactory.FROM_CONFIG);
    }

    static Gateway start(GatewayConfig config, Map<String, String> environment, AuditSink audit,
            CertificateChecks.EntraCheckFactory entraChecks) throws ConfigException, InterruptedException {
        return start(ConfigSource.fixed(config), config, environment, audit, entraChecks);
    }

    static Gateway start(ConfigSource source, GatewayConfig config, Map<String, String> environment, AuditSink audit,
            CertificateChecks.EntraCheckFactory entraChecks) throws ConfigException, InterruptedException {
        return start(source, config, environment, audit, entraChecks, Ticker.systemTicker());
    }

    /** As above, with the abuse controls (rate limits, lockout) on {@code limitsTicker}: tests drive it. */
    static Gateway start(ConfigSource source, GatewayConfig config, Map<String, String> environment, AuditSink audit,
            CertificateChecks.EntraCheckFactory entraChecks, Ticker limitsTicker) throws ConfigException, InterruptedException {
        ExecutorService secretIo = Executors.newFixedThreadPool(4, daemonThreads("secret-io"));
        Map<String, String> env = Map.copyOf(environment);
        Generation.BackendFactory backends = secrets -> SecretBackends.fromConfig(secrets, env, secretIo, Ticker.systemTicker());
        return start(source, config, backends, secretIo, audit, entraChecks, limitsTicker);
    }

    /**
     * As {@link #start(GatewayConfig, Map, AuditSink)} with backends built by the caller; the
     * gateway owns them (and their executor) from here on and closes them on stop. A reload that
     * changes the secrets section builds new ones from the process environment.
     */
    static Gateway start(GatewayConfig config, SecretBackends secrets, ExecutorService secretIo, AuditSink audit)
            throws ConfigException, InterruptedException {
        return start(config, secrets, secretIo, audit, CertificateChecks.EntraCheckFactory.FROM_CONFIG);
    }

    /** As above, with the Entra device check made by {@code entraChecks} (tests point it at their own Graph). */
    static Gateway start(GatewayConfig config, SecretBackends secrets, ExecutorService secretIo, AuditSink audit,
            CertificateChecks.EntraCheckFactory entraChecks) throws ConfigException, InterruptedException {
        AtomicBoolean first = new AtomicBoolean(true);
        Generation.BackendFactory backends = section -> first.getAndSet(false) ? secrets
                : SecretBackends.fromConfig(section, System.getenv(), secretIo, Ticker.systemTicker());
        try {
            return start(ConfigSource.fixed(config), config, backends, secretIo, audit, entraChecks, Ticker.systemTicker());
        } finally {
            if (first.get()) {
                secrets.close(); // never handed to a generation
            }
        }
    }

    private static Gateway start(ConfigSource source, GatewayConfig config, Generation.BackendFactory backends,
            ExecutorService secretIo, AuditSink audit, CertificateChecks.EntraCheckFactory entraChecks, Ticker limitsTicker)
            throws ConfigException, InterruptedException {
        // the abuse controls count across reloads (a reload must not forgive a locked-out address): built once
        AbuseControls abuse = AbuseControls.fromConfig(config.limits(), config.listener(), limitsTicker);
        ScheduledExecutorService reloader = Executors.newSingleThreadScheduledExecutor(daemonThreads("reload"));
        HandshakeFailureLog handshakeFailures = new HandshakeFailureLog(abuse::handshakeRefused);
        Clock clock = Clock.systemUTC();
        // the admin listener and the metrics live as long as the process: admin settings need a restart
        Operations operations = Operations.create(config.admin(), clock);
        // the proxy's passive health runs on the abuse controls' time, which tests drive
        Generation.Parts parts = new Generation.Parts(operations.metrics().observe(audit), clock, handshakeFailures,
                entraChecks, backends, config.listener().tlsProvider(), reloader, limitsTicker);
        Generation first;
        try {
            first = Generation.build(1, config, null, parts);
        } catch (ConfigException | RuntimeException e) {
            operations.close();
            reloader.shutdownNow();
            secretIo.shutdownNow();
            throw e;
        }
        try {
            return bind(source, parts, first, secretIo, handshakeFailures, reloader, operations, abuse);
        } catch (ConfigException | InterruptedException | RuntimeException e) {
            first.close();
            reloader.shutdownNow();
            secretIo.shutdownNow();
            throw e;
        }
    }

    private static Gateway bind(ConfigSource source, Generation.Parts parts, Generation first, ExecutorService secretIo,
            HandshakeFailureLog handshakeFailures, ScheduledExecutorService reloader, Operations operations,
            AbuseControls abuse)
            throws ConfigException, InterruptedException {
        ListenerConfig listener = first.config.listener();
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        // one event loop per core (Netty's default is two): TLS work is CPU-bound, extra loops only switch
        int ioThreads = listener.ioThreads() > 0 ? listener.ioThreads() : Runtime.getRuntime().availableProcessors();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("mtls-io", true), io);
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ChannelGroup connections = new DefaultChannelGroup("device-connections", GlobalEventExecutor.INSTANCE);
        ActiveRequests active = new ActiveRequests();
        AtomicReference<Generation> current = new AtomicReference<>(first);
        try {
            Channel serverChannel = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new DeviceChannelInitializer(current, listener, handshakeFailures, active, connections,
                            operations.metrics(), abuse))
                    .bind(listener.bind(), listener.port())
                    .sync()
                    .channel();
            Channel ingressChannel = bindIngress(first.config.ingress(), group, channelType, current, active, connections,
                    operations, abuse, serverChannel);
            Gateway gateway = new Gateway(source, parts, current, group, serverChannel, ingressChannel, connections, active, secretIo,
                    handshakeFailures, reloader, operations, abuse);
            gateway.live.add(first);
            gateway.onRevocationChange(first);
            first.checks.start();
            // metrics and readiness follow the generation in use: a reload's new certificate, trust and backends
            operations.metrics().bindConnections(connections).bindHandshakes(handshakeFailures).bindLimits(abuse)
                    .bindSecrets(() -> current.get().backends).bindEntra(() -> current.get().checks.entra())
                    .bindRevocation(() -> current.get().checks.revocation())
                    .bindServerCertificate(() -> current.get().serverCertificate);
            operations.start(GatewayReadiness.of(() -> current.get().serverCertificate,
                    () -> current.get().trustAnchors.size(), serverChannel::isActive, () -> current.get().backends.calls(),
                    () -> current.get().checks.entra(), parts.clock()));
            operations.reloadHook(gateway.reloadHookForAdmin());
            FunctionCounter.builder("mtls_proxy_reloads", gateway, Gateway::reloads)
                    .description("hot reloads applied").register(operations.metrics().registry());
            FunctionCounter.builder("mtls_proxy_reload_failures", gateway, Gateway::reloadFailures)
                    .description("hot reloads refused; the last good configuration stayed").register(operations.metrics().registry());
            log.info("mtls-proxy listening on {}:{} ({} transport, {} backends, {} access rules)", listener.bind(),
                    gateway.port(), epoll ? "epoll" : "nio", first.config.secrets().backends().size(),
                    first.config.access().rules().size());
            return gateway;
        } catch (Exception e) {
            operations.close();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            if (e instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            if (e instanceof ConfigException admin) {
                throw admin;
            }
            throw new ConfigException("listener: cannot listen on " + listener.bind() + ":" + listener.port() + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    /** The behind-ingress listener, when the configuration asks for one; on the device listener's event loops. */
    private static Channel bindIngress(IngressConfig ingress, EventLoopGroup group, Class<? extends ServerChannel> channelType,
            AtomicReference<Generation> current, ActiveRequests active, ChannelGroup connections, Operations operations,
            AbuseControls abuse, Channel deviceListener) throws ConfigException, InterruptedException {
        if (!ingress.enabled()) {
            return null;
        }
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new IngressChannelInitializer(current, active, connections, operations.metrics(), abuse))
                    .bind(ingress.bind(), ingress.port())
                    .sync()
                    .channel();
            log.info("behind-ingress listener on {}:{} ({}, certificates believed from {})", ingress.bind(),
                    ((InetSocketAddress) channel.localAddress()).getPort(),
                    ingress.tls() == IngressConfig.IngressTls.SERVER ? "TLS" : "plain HTTP", ingress.trustedProxies());
            return channel;
        } catch (Exception e) {
            deviceListener.close();
            if (e instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            throw new ConfigException("ingress: cannot listen on " + ingress.bind() + ":" + ingress.port() + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    /** New revocation data: forget validated chains, and drop live connections (of any generation) now revoked. */
    private void onRevocationChange(Generation generation) {
        generation.checks.onRevocationChange(() -> {
            if (current.get() == generation) { // a retired generation's refreshes decide nothing any more
                generation.authenticator.invalidateAll();
                closeConnections(generation.checks::isRevoked, "revoked");
            }
        });
    }

    private FileWatcher startWatcher(GatewayConfig config) {
        if (!config.reload().watchFiles()) {
            return null;
        }
        try {
            FileWatcher fileWatcher = new FileWatcher(config.reload().debounce(), reloader, () -> reloadAsync("file change"));
            fileWatcher.watch(WatchedFiles.of(config, source.file()));
            return fileWatcher;
        } catch (java.io.IOException e) {
            log.warn("reload: cannot watch files for changes ({}); reload with SIGHUP or the admin listener", e.toString());
            return null;
        }
    }

    /**
     * Reloads the configuration and every file it names, and blocks until done. Call it off the
     * event loops (the admin listener should use {@link #reloadAsync}).
     */
    public ReloadResult reload() {
        return reloadAsync("admin").join();
    }

    /**
     * Reloads on the gateway's reload thread: loads and validates the configuration, builds a
     * whole new generation (trust, checks, authenticator, access rules, SslContext, backends), and
     * only when all of it builds, swaps it in for new connections. Open connections keep the
     * generation they were opened with. A failure keeps the last good configuration. Reloads
     * asked for while one runs run after it, in order.
     *
     * @param trigger what asked for it, for the log line and the result
     */
    public CompletableFuture<ReloadResult> reloadAsync(String trigger) {
        CompletableFuture<ReloadResult> result = new CompletableFuture<>();
        try {
            reloader.execute(() -> {
                ReloadResult done = stopped ? ReloadResult.failed(trigger, current.get().number, List.of("the gateway is stopping"))
                        : reloadNow(trigger);
                for (Consumer<ReloadResult> listener : reloadListeners) {
                    listener.accept(done);
                }
                result.complete(done);
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            result.complete(ReloadResult.failed(trigger, current.get().number, List.of("the gateway is stopping")));
        }
        return result;
    }

    /** {@code POST /reload} on the admin listener: the same reload as SIGHUP, told as the admin listener tells it. */
    private ReloadHook reloadHookForAdmin() {
        return () -> reloadAsync("admin").thenApply(result -> {
            if (!result.ok()) {
                return ReloadOutcome.rejected(String.join("; ", result.problems()));
            }
            String restart = result.needsRestart().isEmpty() ? ""
                    : "; needs a restart: " + String.join(", ", result.needsRestart());
            return result.changes().isEmpty() ? ReloadOutcome.unchanged("nothing changed (files re-read)" + restart)
                    : ReloadOutcome.applied("changed: " + String.join(", ", result.changes()) + restart);
        });
    }

    /** Runs {@code listener} after each reload (on the reload thread), e.g. to count or expose it. */
    public void onReload(Consumer<ReloadResult> listener) {
        reloadListeners.add(listener);
    }

    /** Successful reloads since start. */
    public long reloads() {
        return reloads.sum();
    }

    /** Failed reloads since start: the configuration they read was broken, the last good one stayed. */
    public long reloadFailures() {
        return reloadFailures.sum();
    }

    private ReloadResult reloadNow(String trigger) {
        Generation old = current.get();
        Generation next;
        try {
            GatewayConfig config = source.load();
            next = Generation.build(generations + 1, config, old, parts);
        } catch (ConfigException e) {
            return failed(trigger, old, e.problems());
        } catch (RuntimeException e) {
            log.debug("reload failure", e);
            return failed(trigger, old, List.of(e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
        generations = next.number;
        live.removeIf(Generation::isClosed);
        List<String> changes = next.changesFrom(old);
        List<String> needsRestart = needsRestart(next.config);
        live.add(next);
        onRevocationChange(next);
        current.set(next);
        if (next.backends != old.backends) {
            operations.metrics().listenTo(next.backends.calls()); // the new backends' latency and health
        }
        next.checks.start();
        old.retire(next);
        scheduleDrain(old, started.reload().drainGrace());
        // the new revocation data (CRL files re-read, a new deny list) may revoke devices on open connections
        closeConnections(next.checks::isRevoked, "revoked");
        if (watcher != null) {
            watcher.watch(WatchedFiles.of(next.config, source.file()));
        }
        reloads.increment();
        log.info("reload ok trigger={} generation={} changed: {}", trigger, next.number,
                changes.isEmpty() ? "nothing (files re-read)" : String.join(", ", changes));
        if (!needsRestart.isEmpty()) {
            log.warn("reload: these settings changed but apply only after a restart (the running values stay): {}",
                    String.join("; ", needsRestart));
        }
        return ReloadResult.applied(trigger, next.number, changes, needsRestart);
    }

    private ReloadResult failed(String trigger, Generation kept, List<String> problems) {
        reloadFailures.increment();
        log.warn("reload failed trigger={}, keeping generation {}: {}", trigger, kept.number, String.join("; ", problems));
        return ReloadResult.failed(trigger, kept.number, problems);
    }

    /** Listener settings that would need a new socket or event loops, and the sections read once at start-up. */
    private List<String> needsRestart(GatewayConfig next) {
        List<String> restart = new ArrayList<>();
        ListenerConfig l = next.listener();
        differs("listener.bind", running.bind(), l.bind(), restart);
        differs("listener.port", running.port(), l.port(), restart);
        differs("listener.ioThreads", running.ioThreads(), l.ioThreads(), restart);
        differs("listener.tlsProvider", running.tlsProvider(), l.tlsProvider(), restart);
        differs("listener.allowedClients", running.allowedClients(), l.allowedClients(), restart);
        differs("listener.proxyProtocol", running.proxyProtocol(), l.proxyProtocol(), restart);
        differs("listener.trustedProxies", running.trustedProxies(), l.trustedProxies(), restart);
        IngressConfig ingress = started.ingress();
        differs("ingress.enabled", ingress.enabled(), next.ingress().enabled(), restart);
        differs("ingress.bind", ingress.bind(), next.ingress().bind(), restart);
        differs("ingress.port", ingress.port(), next.ingress().port(), restart);
        differs("ingress.tls", ingress.tls(), next.ingress().tls(), restart);
        differs("limits", started.limits(), next.limits(), restart);
        differs("admin", started.admin(), next.admin(), restart);
        differs("logging", started.logging(), next.logging(), restart);
        differs("audit", started.audit(), next.audit(), restart);
        differs("reload", started.reload(), next.reload(), restart);
        return restart;
    }

    private static void differs(String setting, Object before, Object after, List<String> restart) {
        if (!before.equals(after)) {
            restart.add(setting + " (running: " + before + ", new: " + after + ")");
        }
    }

    /** After the grace, connections still open on a retired generation are closed, and it is released. */
    private void scheduleDrain(Generation old, Duration grace) {
        try {
            reloader.schedule(() -> {
                if (!old.isClosed() && !old.channels().isEmpty()) {
                    log.info("closing {} connections still open on configuration generation {} after reload.drainGrace {}",
                            old.channels().size(), old.number, grace);
                    for (Channel channel : old.channels()) {
                        channel.close();
                    }
                }
            }, grace.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // stopping: every connection closes anyway
        }
    }

    /** The bound port (useful when the config asked for port 0). */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** The behind-ingress listener's bound port, when it is on. */
    public java.util.OptionalInt ingressPort() {
        return ingressChannel == null ? java.util.OptionalInt.empty()
                : java.util.OptionalInt.of(((InetSocketAddress) ingressChannel.localAddress()).getPort());
    }

    /** The configuration new connections get: the last one loaded successfully. */
    public GatewayConfig config() {
        return current.get().config;
    }

    /** The generation new connections get (tests follow what it holds, e.g. its TLS context's references). */
    Generation currentGeneration() {
        return current.get();
    }

    /** The number of the configuration generation new connections get: 1 at start, one more per successful reload. */
    public long generation() {
        return current.get().number;
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

    /** Where the admin listener is bound, unless {@code admin.enabled} is false. */
    public Optional<InetSocketAddress> adminAddress() {
        return operations.adminAddress();
    }

    /** What {@code POST /reload} on the admin listener runs (until set: 501 reload_unavailable). */
    public void reloadHook(ReloadHook hook) {
        operations.reloadHook(hook);
    }

    /** The metrics, for parts that add series of their own. */
    public GatewayMetrics metrics() {
        return operations.metrics();
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
        if (watcher != null) {
            watcher.close();
        }
        serverChannel.close().syncUninterruptibly();
        if (ingressChannel != null) {
            ingressChannel.close().syncUninterruptibly();
        }
        active.drain();
        for (Channel channel : connections) {
            channel.pipeline().fireUserEventTriggered(ActiveRequests.DrainStarted.INSTANCE); // runs on its event loop
        }
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
        reloader.shutdownNow();
        for (Generation generation : live) {
            generation.close();
        }
        secretIo.shutdownNow();
        operations.close(); // last: /readyz reports the listener down while draining
        if (unfinished > 0) {
            log.warn("stopped with {} requests unfinished after the {} grace period", unfinished, grace);
        } else {
            log.info("stopped");
        }
    }

    @Override
    public void close() {
        stop(config().listener().shutdownGrace());
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
