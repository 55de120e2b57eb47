package io.mtlsproxy.policy.revocation;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.RevocationConfig;
import io.mtlsproxy.core.config.RevocationConfig.OcspConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.AsyncCertificateCheck;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.TrustMaterial;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything {@code revocation:} configures, built once per configuration: the deny list and the
 * CRLs behind a synchronous {@link #handshakeCheck()}, OCSP behind an asynchronous
 * {@link #ocspCheck()}, the background refreshes, and the events that tell the server to drop its
 * caches and close connections that became revoked.
 *
 * <pre>{@code
 * Revocation revocation = Revocation.fromConfig(config.revocation(), trust, Clock.systemUTC(), scheduler);
 * revocation.addListener(() -> { authenticator.invalidateAll(); sweep(revocation::isRevoked); });
 * revocation.start();
 * ...
 * revocation.close();
 * }</pre>
 *
 * <p>Threading: {@link #handshakeCheck()} and {@link #isRevoked} are lock-free and run on event
 * loops; CRL loads and deny-list polls run on the scheduler; OCSP on the HTTP executor. Listeners
 * run on a scheduler thread and must hand their work off quickly.
 */
public final class Revocation implements AutoCloseable {
    /** How often the deny-list file is checked for changes. */
    public static final Duration DENY_LIST_POLL = Duration.ofSeconds(2);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(Revocation.class);

    private final DenyList denyList;
    private final CrlStore crls;
    private final RevocationCheck handshakeCheck;
    private final OcspCheck ocsp;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService ownedExecutor;
    private final Counters counters;
    private final Events events;
    private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile CompletableFuture<Void> firstLoads = CompletableFuture.completedFuture(null);
    private volatile ScheduledFuture<?> denyListPoll;

    private Revocation(Builder parts) {
        this.denyList = parts.denyList;
        this.crls = parts.crls;
        this.handshakeCheck = parts.handshakeCheck;
        this.ocsp = parts.ocsp;
        this.scheduler = parts.scheduler;
        this.ownedExecutor = parts.ownedExecutor;
        this.counters = parts.counters;
        this.events = parts.events;
    }

    /**
     * Builds revocation from its settings, with a small HTTP pool of its own (closed by {@link #close()}).
     *
     * @param clock the wall clock CRL and OCSP validity are judged by
     * @param scheduler runs CRL loads, refreshes and deny-list polls; owned by the caller, never an event loop
     * @throws ConfigException naming each bad setting, e.g. {@code revocation.crlFiles[0]: ...}
     */
    public static Revocation fromConfig(RevocationConfig config, TrustMaterial trust, Clock clock,
            ScheduledExecutorService scheduler) throws ConfigException {
        ExecutorService pool = Executors.newFixedThreadPool(4, daemonThreads("revocation-http-"));
        try {
            return build(config, trust, clock, scheduler, pool, pool);
        } catch (ConfigException | RuntimeException e) {
            pool.shutdownNow();
            throw e;
        }
    }

    /**
     * As {@link #fromConfig(RevocationConfig, TrustMaterial, Clock, ScheduledExecutorService)}, with
     * the executor for HTTP exchanges and OCSP verification given (owned by the caller).
     */
    public static Revocation fromConfig(RevocationConfig config, TrustMaterial trust, Clock clock,
            ScheduledExecutorService scheduler, Executor httpExecutor) throws ConfigException {
        return build(config, trust, clock, scheduler, httpExecutor, null);
    }

    private static Revocation build(RevocationConfig config, TrustMaterial trust, Clock clock,
            ScheduledExecutorService scheduler, Executor httpExecutor, ExecutorService owned) throws ConfigException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(trust, "trust");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(httpExecutor, "httpExecutor");
        List<String> problems = validate(config, trust);
        Builder parts = new Builder();
        parts.scheduler = scheduler;
        parts.ownedExecutor = owned;
        Runnable onChange = parts.events::fire;
        if (!config.denyList().isEmpty()) {
            try {
                parts.denyList = DenyList.fromConfig(config.denyList(), onChange, parts.counters);
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
        HttpClient http = null;
        boolean wantsCrls = !config.crlFiles().isEmpty() || !config.crlUrls().isEmpty() || config.crlDistributionPoints();
        if (wantsCrls || config.ocsp().enabled()) {
            http = HttpFetcher.newClient(httpExecutor, CONNECT_TIMEOUT);
        }
        if (wantsCrls && problems.isEmpty()) {
            parts.crls = new CrlStore(config, trust, clock, scheduler, http, onChange, parts.counters, CrlStore.FETCH_TIMEOUT);
            try {
                parts.crls.loadFiles();
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        if (parts.denyList != null || parts.crls != null) {
            parts.handshakeCheck = new RevocationCheck(parts.denyList, parts.crls, config.whenCrlUnavailable(), parts.counters);
        }
        if (config.ocsp().enabled()) {
            parts.ocsp = new OcspCheck(config.ocsp(), trust, clock, http, httpExecutor, parts.counters);
        }
        return new Revocation(parts);
    }

    private static List<String> validate(RevocationConfig config, TrustMaterial trust) {
        List<String> problems = new ArrayList<>();
        if (config.refreshInterval().compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add("revocation.refreshInterval: " + config.refreshInterval() + " is too short; use at least 1s");
        }
        for (int i = 0; i < config.crlFiles().size(); i++) {
            Path file = config.crlFiles().get(i);
            if (file == null || file.toString().isBlank()) {
                problems.add("revocation.crlFiles[" + i + "]: empty path");
            }
        }
        for (int i = 0; i < config.crlUrls().size(); i++) {
            URI uri = config.crlUrls().get(i);
            if (uri == null || !CertificateUrls.isHttp(uri)) {
                problems.add("revocation.crlUrls[" + i + "]: '" + uri + "' is not an http:// or https:// URL");
            }
        }
        boolean noCa = trust.acceptedIssuers().isEmpty() && trust.intermediates().isEmpty();
        if (noCa && (!config.crlFiles().isEmpty() || !config.crlUrls().isEmpty() || config.crlDistributionPoints())) {
            problems.add("revocation: CRLs are verified against tls.trustAnchors and tls.intermediates, and none is configured");
        }
        OcspConfig ocsp = config.ocsp();
        if (ocsp.enabled()) {
            if (ocsp.responder() != null && !CertificateUrls.isHttp(ocsp.responder())) {
                problems.add("revocation.ocsp.responder: '" + ocsp.responder() + "' is not an http:// or https:// URL");
            }
            if (ocsp.timeout().isZero() || ocsp.timeout().isNegative()) {
                problems.add("revocation.ocsp.timeout: must be positive");
            }
            if (ocsp.cacheSize() < 1) {
                problems.add("revocation.ocsp.cacheSize: must be at least 1");
            }
            if (noCa) {
                problems.add("revocation.ocsp: OCSP answers are verified against tls.trustAnchors and tls.intermediates, "
                        + "and none is configured");
            }
        }
        return problems;
    }

    /** The deny-list and CRL check for the handshake; null when neither is configured. */
    public CertificateCheck handshakeCheck() {
        return handshakeCheck;
    }

    /** The OCSP check for after the handshake; null when OCSP is off. */
    public AsyncCertificateCheck ocspCheck() {
        return ocsp;
    }

    /** True when any revocation source is configured. */
    public boolean enabled() {
        return handshakeCheck != null || ocsp != null;
    }

    /**
     * Starts the background work: CRL fetches and refreshes, and the deny-list poll every
     * {@link #DENY_LIST_POLL}.
     *
     * @return completes when each configured CRL URL has been tried once (loaded or not); a server
     *     may wait on it (bounded) before accepting connections
     */
    public CompletableFuture<Void> start() {
        if (!started.compareAndSet(false, true)) {
            return firstLoads; // started already
        }
        if (denyList != null && !denyList.isEmpty()) {
            try {
                denyListPoll = scheduler.scheduleWithFixedDelay(denyList::refresh,
                        DENY_LIST_POLL.toMillis(), DENY_LIST_POLL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                log.warn("revocation: the scheduler refused the deny-list poll");
            }
        }
        if (crls != null) {
            firstLoads = crls.start();
        }
        return firstLoads;
    }

    /** Stops the background work (the scheduler itself is the caller's); lookups keep their last data. */
    @Override
    public void close() {
        ScheduledFuture<?> poll = denyListPoll;
        if (poll != null) {
            poll.cancel(false);
        }
        if (crls != null) {
            crls.close();
        }
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
    }

    /**
     * Runs the listener whenever revocation data changes a verdict: a deny-list version, a CRL that
     * revokes or un-revokes, a CRL loaded for the first time or turned stale. The server then drops
     * its decision caches and closes live connections for which {@link #isRevoked} is true. Runs on
     * a scheduler thread; must not block.
     */
    public void addListener(Runnable listener) {
        events.listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(Runnable listener) {
        events.listeners.remove(listener);
    }

    /**
     * True when the identity is revoked now by what is known locally: the deny list, a loaded CRL
     * listing any certificate of its chain, or a cached OCSP answer. Never blocks or fetches: for
     * sweeping live connections after an event.
     */
    public boolean isRevoked(ClientIdentity identity) {
        return (denyList != null && denyList.match(identity) != null)
                || (crls != null && crls.isRevoked(identity.chain()))
                || (ocsp != null && ocsp.isKnownRevoked(identity));
    }

    /** Counters since start, for metrics. */
    public RevocationStats stats() {
        return counters.snapshot();
    }

    /** The CRL sources and their state; empty without CRLs. */
    public List<CrlStore.SourceStatus> crlSources() {
        return crls == null ? List.of() : crls.sources();
    }

    /** The deny list; null when none is configured. */
    public DenyList denyList() {
        return denyList;
    }

    /** Re-reads the deny-list file now if it changed (also done every {@link #DENY_LIST_POLL} once started). */
    public void refreshDenyList() {
        if (denyList != null) {
            denyList.refresh();
        }
    }

    /** The listeners, told of every change by the parts (which exist before this facade does). */
    private static final class Events {
        final List<Runnable> listeners = new CopyOnWriteArrayList<>();
        final Counters counters;

        Events(Counters counters) {
            this.counters = counters;
        }

        void fire() {
            counters.revocationEvents.increment();
            for (Runnable listener : listeners) {
                try {
                    listener.run();
                } catch (RuntimeException e) {
                    log.warn("revocation: a revocation listener failed", e);
                }
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** The parts one configuration builds. */
    private static final class Builder {
        final Counters counters = new Counters();
        final Events events = new Events(counters);
        DenyList denyList;
        CrlStore crls;
        RevocationCheck handshakeCheck;
        OcspCheck ocsp;
        ScheduledExecutorService scheduler;
        ExecutorService ownedExecutor;
    }
}
