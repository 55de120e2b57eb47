package io.mtlsproxy.server.admin;

import io.mtlsproxy.server.limits.AbuseControls;
import io.mtlsproxy.server.limits.ConnectionRefusals;
import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mtlsproxy.backends.BackendCalls;
import io.mtlsproxy.backends.CacheStats;
import io.mtlsproxy.backends.SecretBackends;
import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.audit.AuditSink;
import io.mtlsproxy.core.config.CertificateTrackingConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.entra.EntraDeviceCheck;
import io.mtlsproxy.policy.revocation.Revocation;
import io.mtlsproxy.policy.revocation.RevocationStats;
import io.mtlsproxy.server.http.RequestObserver;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
import io.netty.channel.group.ChannelGroup;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The gateway's metrics, in Prometheus form. Most series read counters the gateway keeps anyway
 * (refusals by cause, cache and backend counts, Entra and revocation stats) when scraped, so the
 * request path is not touched; the few counted on the request path (requests by route and
 * status, secret reads) are Micrometer counters resolved once per tag combination and kept.
 *
 * <p>Every label value comes from a bounded set (routes, statuses, backend names from config,
 * cause tags, a capped number of certificate hashes); none carries a secret or a request detail.
 */
public final class GatewayMetrics implements AutoCloseable {
    static final String PREFIX = "mtls_proxy_";
    static final String API_PREFIX = "/v1/secrets/";
    private static final String[] ROUTES = {"api", "origin", "other"};
    /** Histogram buckets of backend calls: a local file is sub-millisecond, a throttled vault seconds. */
    private static final Duration[] FETCH_BUCKETS = {Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10)};
    private static final int STATUSES = 600;

    /** What the cache counts, one series each; a new CacheStats field is one more line here. */
    private static final List<Map.Entry<String, ToLongFunction<CacheStats>>> CACHE_SERIES = List.of(
            Map.entry("hits", CacheStats::hits),
            Map.entry("misses", CacheStats::misses),
            Map.entry("loads", CacheStats::loads),
            Map.entry("load_failures", CacheStats::loadFailures),
            Map.entry("refreshes", CacheStats::refreshes),
            Map.entry("stale_serves", CacheStats::staleServes),
            Map.entry("negative_hits", CacheStats::negativeHits),
            Map.entry("timeouts", CacheStats::timeouts),
            Map.entry("breaker_rejections", CacheStats::breakerRejections));

    private static final List<Map.Entry<String, ToLongFunction<RevocationStats>>> REVOCATION_SERIES = List.of(
            Map.entry("crl_unavailable_passes", RevocationStats::crlUnavailablePasses),
            Map.entry("crl_unavailable_refusals", RevocationStats::crlUnavailableRefusals),
            Map.entry("crl_loads", RevocationStats::crlLoads),
            Map.entry("crl_load_failures", RevocationStats::crlLoadFailures),
            Map.entry("deny_list_reloads", RevocationStats::denyListReloads),
            Map.entry("deny_list_reload_failures", RevocationStats::denyListReloadFailures),
            Map.entry("ocsp_requests", RevocationStats::ocspRequests),
            Map.entry("ocsp_cache_hits", RevocationStats::ocspCacheHits),
            Map.entry("ocsp_soft_fail_passes", RevocationStats::ocspSoftFailPasses),
            Map.entry("ocsp_hard_fail_refusals", RevocationStats::ocspHardFailRefusals),
            Map.entry("revocation_events", RevocationStats::revocationEvents));

    private static final List<Map.Entry<String, ToLongFunction<EntraDeviceCheck.Counters>>> ENTRA_SERIES = List.of(
            Map.entry("graph_calls", EntraDeviceCheck.Counters::graphCalls),
            Map.entry("cache_hits", EntraDeviceCheck.Counters::cacheHits),
            Map.entry("joined_lookups", EntraDeviceCheck.Counters::joinedLookups),
            Map.entry("outages", EntraDeviceCheck.Counters::outages),
            Map.entry("throttled", EntraDeviceCheck.Counters::throttled),
            Map.entry("soft_passes", EntraDeviceCheck.Counters::softPasses));

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Clock clock;
    private final Counter handshakes;
    private final ClientCertificateExpiry expiry;
    private final MultiGauge soonestExpiries;
    private final AtomicReferenceArray<Counter> requests = new AtomicReferenceArray<>(ROUTES.length * STATUSES);
    /** Reverse-proxy routes' label: {@code proxy:<name>}, apart from the built-in routes' names. */
    public static final String PROXY_ROUTE_PREFIX = "proxy:";
    private final java.util.concurrent.ConcurrentHashMap<String, Counter> proxyRequests = new java.util.concurrent.ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter[]> secretReads = new ConcurrentHashMap<>();
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private volatile ClientCertificateExpiry.Snapshot expirySnapshot = ClientCertificateExpiry.Snapshot.EMPTY;

    // the refusal causes seen so far get a series each, registered at scrape time
    private final Set<String> refusalCauses = new HashSet<>();
    private final Set<String> violationCauses = new HashSet<>();
    private volatile HandshakeFailureLog handshakeLog;

    public GatewayMetrics(Clock clock, Ticker ticker, CertificateTrackingConfig tracking) {
        this.clock = clock;
        this.expiry = new ClientCertificateExpiry(tracking, clock, ticker);
        this.handshakes = Counter.builder(PREFIX + "handshakes").tag("outcome", "completed")
                .description("TLS handshakes completed with a client identity pinned (refusals are mtls_proxy_connections_refused_total)")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);

        Gauge.builder(PREFIX + "client_certificates_tracked", this, m -> m.expirySnapshot.tracked())
                .description("distinct client certificates seen within admin.certificateTracking.seenWithin (bounded)")
                .register(registry);
        Gauge.builder(PREFIX + "client_certificates_expiring", this, m -> m.expirySnapshot.within7Days())
                .tag("within", "7d").description("tracked client certificates, not yet expired, expiring within 7 days")
                .register(registry);
        Gauge.builder(PREFIX + "client_certificates_expiring", this, m -> m.expirySnapshot.within30Days())
                .tag("within", "30d").description("tracked client certificates, not yet expired, expiring within 30 days")
                .register(registry);
        Gauge.builder(PREFIX + "client_certificate_soonest_not_after", this, m -> m.expirySnapshot.soonestNotAfter())
                .baseUnit("seconds").description("the soonest notAfter (epoch seconds) among tracked client certificates")
                .register(registry);
        this.soonestExpiries = MultiGauge.builder(PREFIX + "client_certificate_not_after").baseUnit("seconds")
                .description("notAfter (epoch seconds) of the soonest-expiring tracked client certificates, by rank")
                .register(registry);
    }

    // --- the device path ------------------------------------------------------------------------

    /** A connection completed its handshake and pinned {@code identity} (null in audit mode without a certificate). */
    public void connected(ClientIdentity identity) {
        handshakes.increment();
        if (identity != null) {
            expiry.seen(identity);
        }
    }

    /** Counts responses by route and status; {@code originPath} is null when the origin route is off. */
    public RequestObserver requestObserver(String originPath) {
        return new RequestObserver() {
            @Override
            public void responded(String uri, int status) {
                int route = route(uri, originPath);
                int code = status >= 100 && status < STATUSES ? status : 0;
                int index = route * STATUSES + code;
                Counter counter = requests.get(index);
                if (counter == null) {
                    counter = Counter.builder(PREFIX + "requests").tag("route", ROUTES[route])
                            .tag("status", Integer.toString(code)).description("device API responses by route and status")
                            .register(registry); // the registry returns the same counter to a racing second caller
                    requests.set(index, counter);
                }
                counter.increment();
            }

            @Override
            public void proxied(String route, int status) {
                int code = status >= 100 && status < STATUSES ? status : 0;
                // proxy route names are few (configured): one counter per route and status, looked up by key
                proxyRequests.computeIfAbsent(route + " " + code, key -> Counter.builder(PREFIX + "requests")
                        .tag("route", PROXY_ROUTE_PREFIX + route).tag("status", Integer.toString(code))
                        .description("device API responses by route and status").register(registry)).increment();
            }
        };
    }

    static int route(String uri, String originPath) {
        if (uri.startsWith(API_PREFIX)) {
            return 0;
        }
        if (originPath != null && uri.regionMatches(true, 0, originPath, 0, originPath.length())
                && (uri.length() == originPath.length() || uri.charAt(originPath.length()) == '?')) {
            return 1;
        }
        return 2;
    }

    /** Secret reads by backend and outcome, counted from the audit events as they pass to {@code sink}. */
    public AuditSink observe(AuditSink sink) {
        return event -> {
            countRead(event);
            sink.record(event);
        };
    }

    private static final String[] READ_OUTCOMES = {"granted", "not_modified", "invalid_name", "forbidden", "not_found",
            "unavailable", "error", "other"};

    private void countRead(AuditEvent event) {
        String backend = event.backend() == null || "-".equals(event.backend()) ? "none" : event.backend();
        Counter[] counters = secretReads.get(backend);
        if (counters == null) {
            counters = secretReads.computeIfAbsent(backend, this::readCounters);
        }
        counters[readOutcome(event.status())].increment();
    }

    private Counter[] readCounters(String backend) {
        Counter[] counters = new Counter[READ_OUTCOMES.length];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = Counter.builder(PREFIX + "secret_reads").tag("backend", backend).tag("outcome", READ_OUTCOMES[i])
                    .description("secret reads by the backend that served them (none when refused before one) and outcome")
                    .register(registry);
        }
        return counters;
    }

    private static int readOutcome(int status) {
        return switch (status) {
            case 200 -> 0;
            case 304 -> 1;
            case 400 -> 2;
            case 403 -> 3;
            case 404 -> 4;
            case 503, 504 -> 5;
            case 500 -> 6;
            default -> 7;
        };
    }

    // --- what the gateway counts anyway, read at scrape time -------------------------------------

    /** Open device connections. */
    public GatewayMetrics bindConnections(ChannelGroup connections) {
        Gauge.builder(PREFIX + "open_connections", connections, ChannelGroup::size)
                .description("device connections open now").register(registry);
        return this;
    }

    /**
     * The abuse controls: connections refused or closed by cause (allowlist, lockout, limits,
     * handshake rate, PROXY refusals, timeouts), requests refused by rate limits and lockout, and
     * lockouts started.
     */
    public GatewayMetrics bindLimits(AbuseControls abuse) {
        for (ConnectionRefusals.Cause cause : ConnectionRefusals.Cause.values()) {
            FunctionCounter.builder(PREFIX + "connections_rejected", abuse, a -> a.refusals().count(cause))
                    .tag("cause", cause.tag())
                    .description("connections refused or closed by the abuse controls, by cause").register(registry);
        }
        FunctionCounter.builder(PREFIX + "requests_rate_limited", abuse, a -> a.requests().identityRateLimited())
                .tag("by", "identity").description("requests refused 429 rate_limited").register(registry);
        FunctionCounter.builder(PREFIX + "requests_rate_limited", abuse, a -> a.requests().addressRateLimited())
                .tag("by", "address").description("requests refused 429 rate_limited").register(registry);
        FunctionCounter.builder(PREFIX + "requests_locked_out", abuse, a -> a.requests().lockedOut())
                .description("requests refused 429 locked_out").register(registry);
        FunctionCounter.builder(PREFIX + "lockouts", abuse, AbuseControls::identityLockouts)
                .tag("by", "identity").description("lockouts started").register(registry);
        FunctionCounter.builder(PREFIX + "lockouts", abuse, AbuseControls::addressLockouts)
                .tag("by", "address").description("lockouts started").register(registry);
        return this;
    }

    /** Refusals and audit-mode violations by cause (registered as causes appear). */
    public GatewayMetrics bindHandshakes(HandshakeFailureLog log) {
        this.handshakeLog = log;
        return this;
    }

    /** Backend-call timers by backend, then by outcome; filled on first use. */
    private final java.util.concurrent.ConcurrentHashMap<String, AtomicReferenceArray<Timer>> fetchTimers =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The cache's counters, each backend's health, and every backend call's latency by backend and
     * outcome, of the backends {@code secrets} gives now (a reload may replace them: call
     * {@link #listenTo} with the new ones' calls).
     */
    public GatewayMetrics bindSecrets(Supplier<SecretBackends> secrets) {
        for (Map.Entry<String, ToLongFunction<CacheStats>> series : CACHE_SERIES) {
            ToLongFunction<CacheStats> read = series.getValue();
            FunctionCounter.builder(PREFIX + "cache_" + series.getKey(), secrets, s -> read.applyAsLong(s.get().cacheStats()))
                    .description("secret cache " + series.getKey().replace('_', ' ')).register(registry);
        }
        for (String backend : secrets.get().calls().backends()) {
            Gauge.builder(PREFIX + "backend_healthy", secrets, s -> healthy(s.get().calls(), backend)).tag("backend", backend)
                    .description("1 when the backend's last call was answered (or none was made yet), else 0")
                    .register(registry);
        }
        listenTo(secrets.get().calls());
        return this;
    }

    /** Records the latency of every call {@code calls} sees, by backend and outcome. */
    public void listenTo(BackendCalls calls) {
        calls.listen((backend, outcome, nanos) -> {
            AtomicReferenceArray<Timer> byOutcome = fetchTimers.computeIfAbsent(backend,
                    b -> new AtomicReferenceArray<>(BackendCalls.Outcome.values().length));
            Timer timer = byOutcome.get(outcome.ordinal());
            if (timer == null) {
                // registered on first use: an outcome that never happens adds no series
                timer = Timer.builder(PREFIX + "backend_fetch")
                        .tags(Tags.of("backend", backend, "outcome", outcome.tag()))
                        .description("backend calls (cache misses and refreshes) by backend and outcome")
                        .serviceLevelObjectives(FETCH_BUCKETS)
                        .register(registry);
                byOutcome.set(outcome.ordinal(), timer);
            }
            timer.record(nanos, TimeUnit.NANOSECONDS);
        });
    }

    private static double healthy(BackendCalls calls, String backend) {
        return calls.health().stream().filter(h -> h.backend().equals(backend)).findFirst()
                .map(h -> h.healthy() ? 1.0 : 0.0).orElse(Double.NaN);
    }

    /** The Entra device check's counters and whether Graph answered last; nothing when Entra is not used. */
    public GatewayMetrics bindEntra(Supplier<EntraDeviceCheck> entra) {
        if (entra.get() == null) {
            return this;
        }
        // the check in use now: a reload builds a new one (its counters start again, as a restart's would)
        for (Map.Entry<String, ToLongFunction<EntraDeviceCheck.Counters>> series : ENTRA_SERIES) {
            ToLongFunction<EntraDeviceCheck.Counters> read = series.getValue();
            FunctionCounter.builder(PREFIX + "entra_" + series.getKey(), entra,
                            e -> e.get() == null ? 0 : read.applyAsLong(e.get().counters()))
                    .description("Entra device check: " + series.getKey().replace('_', ' ')).register(registry);
        }
        Gauge.builder(PREFIX + "entra_graph_reachable", entra, e -> e.get() == null ? Double.NaN
                        : e.get().graphStatus() == null || e.get().graphStatus().reachable() ? 1 : 0)
                .description("1 when the last Graph lookup was answered (or none was made yet), else 0").register(registry);
        return this;
    }

    /** Revocation counters of the revocation in use now; nothing when revocation is off at start. */
    public GatewayMetrics bindRevocation(Supplier<Revocation> revocation) {
        if (revocation.get() == null) {
            return this;
        }
        for (Map.Entry<String, ToLongFunction<RevocationStats>> series : REVOCATION_SERIES) {
            ToLongFunction<RevocationStats> read = series.getValue();
            FunctionCounter.builder(PREFIX + "revocation_" + series.getKey(), revocation,
                            r -> r.get() == null ? 0 : read.applyAsLong(r.get().stats()))
                    .description("revocation: " + series.getKey().replace('_', ' ')).register(registry);
        }
        return this;
    }

    /** The server certificate's expiry; the supplier gives the one in use (a reload may swap it). */
    public GatewayMetrics bindServerCertificate(Supplier<X509Certificate> certificate) {
        ToDoubleFunction<Supplier<X509Certificate>> notAfter = s -> s.get().getNotAfter().toInstant().getEpochSecond();
        Gauge.builder(PREFIX + "server_certificate_not_after", certificate, notAfter).baseUnit("seconds")
                .description("notAfter of the device listener's certificate, epoch seconds").register(registry);
        Gauge.builder(PREFIX + "server_certificate_expires_in", certificate,
                        s -> notAfter.applyAsDouble(s) - clock.instant().getEpochSecond())
                .baseUnit("seconds").description("seconds until the device listener's certificate expires (negative: expired)")
                .register(registry);
        return this;
    }

    // --- scraping --------------------------------------------------------------------------------

    /** The Prometheus text exposition, with the series that appear over time brought up to date first. */
    public synchronized String scrape() {
        refresh();
        return registry.scrape();
    }

    private void refresh() {
        HandshakeFailureLog log = handshakeLog;
        if (log != null) {
            for (String cause : log.refusalCauses()) {
                if (refusalCauses.add(cause)) {
                    FunctionCounter.builder(PREFIX + "connections_refused", log, l -> l.refusals(cause)).tag("cause", cause)
                            .description("connections refused or failed in (or right after) the TLS handshake, by cause")
                            .register(registry);
                }
            }
            for (String cause : log.auditViolationCauses()) {
                if (violationCauses.add(cause)) {
                    FunctionCounter.builder(PREFIX + "policy_violations_allowed", log, l -> l.auditViolations(cause))
                            .tag("cause", cause).description("policy violations let through in audit mode, by cause")
                            .register(registry);
                }
            }
        }
        ClientCertificateExpiry.Snapshot snapshot = expiry.snapshot();
        expirySnapshot = snapshot;
        List<MultiGauge.Row<?>> rows = new ArrayList<>(snapshot.soonest().size());
        for (int i = 0; i < snapshot.soonest().size(); i++) {
            ClientCertificateExpiry.Expiring expiring = snapshot.soonest().get(i);
            rows.add(MultiGauge.Row.of(Tags.of("rank", Integer.toString(i + 1), "sha256", expiring.sha256()),
                    expiring.notAfterEpochSecond()));
        }
        soonestExpiries.register(rows, true);
    }

    /** The registry, for callers that add meters of their own (the limits and reload parts). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
