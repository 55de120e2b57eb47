package io.mtlsproxy.policy.entra;

import com.azure.core.credential.TokenCredential;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.EntraConfig;
import io.mtlsproxy.core.config.RevocationConfig.FailMode;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.DistinguishedName;
import io.mtlsproxy.core.pki.PemFiles;
import io.mtlsproxy.core.pki.PkiException;
import io.mtlsproxy.policy.AsyncCertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Microsoft Entra device certificates (the origin's EntraDeviceCert), checked against Microsoft Graph.
 *
 * <ol>
 *   <li>The leaf's issuer DN equals {@code entra.issuer} (RFC 4514 comparison) and, when
 *       {@code entra.issuerCaBundle} is set, the leaf's signature verifies with one of its keys;</li>
 *   <li>the subject CN is a device id (a GUID);</li>
 *   <li>Graph knows the device ({@code devices?$filter=deviceId eq '...'}), it is enabled, and its
 *       {@code alternativeSecurityIds} entry of type 2 names this certificate by both SHA-1 thumbprint
 *       and SHA-256 of the subjectPublicKey bits;</li>
 *   <li>optionally its trustType is allowed and it is compliant / managed.</li>
 * </ol>
 *
 * <p>Steps 1 and 2 run on the caller's thread (no I/O). Graph is asked on the check's own executor
 * and its answers are cached per device id: positive answers for {@code positiveTtl}, "no such
 * device" and "disabled" for {@code negativeTtl}, at most {@code cacheSize} devices. At most one
 * Graph lookup per device is in flight; concurrent checks of that device wait for it. A Graph
 * outage (5xx, connection error, timeout, no token, 429) is never a verdict and never cached: the
 * result is retryable ({@link RejectReason#ENTRA_UNAVAILABLE} with a retry hint), or a pass logged
 * at WARN when {@code whenUnavailable: FAIL_OPEN}. After a 429 no lookup is sent until its
 * Retry-After has passed. Every returned future completes within {@code timeout}.
 *
 * <p>Thread-safe. {@link #close()} stops the executor it owns; checks after that are unavailable.
 */
public final class EntraDeviceCheck implements AsyncCertificateCheck, AutoCloseable {
    public static final String NAME = "entra-device";

    /** The retry hint after an outage that gave none. */
    static final Duration OUTAGE_RETRY_AFTER = Duration.ofSeconds(5);
    static final Set<String> TRUST_TYPES = Set.of("azuread", "serverad", "workplace");

    private static final Logger LOG = LoggerFactory.getLogger(EntraDeviceCheck.class);
    private static final Pattern GUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final int EXECUTOR_THREADS = 2;

    private final DistinguishedName issuer;
    private final List<X509Certificate> issuerCas;
    private final Set<String> allowedTrustTypes;
    private final boolean requireCompliant;
    private final boolean requireManaged;
    private final boolean failOpen;
    private final Duration timeout;
    private final Ticker ticker;
    private final ExecutorService executor;
    private final BearerTokens tokens;
    private final GraphDevices graph;
    private final Cache<String, GraphAnswer> answers;
    private final ConcurrentMap<String, CompletableFuture<GraphAnswer>> inFlight = new ConcurrentHashMap<>();
    /** Ticker reading before which no Graph call is made (429 back-off); null when not throttled. */
    private final AtomicReference<Long> throttledUntil = new AtomicReference<>();
    private volatile boolean closed;

    private final AtomicLong graphCalls = new AtomicLong();
    private final AtomicLong cacheHits = new AtomicLong();
    private final AtomicLong joinedLookups = new AtomicLong();
    private final AtomicLong outages = new AtomicLong();
    private final AtomicLong throttledCalls = new AtomicLong();
    private final AtomicLong softPasses = new AtomicLong();
    /** The last Graph lookup's outcome, for readiness; null until the first lookup. */
    private volatile GraphStatus lastGraphStatus;
    private final Clock clock;

    /**
     * For tests and callers that bring their own HTTP: Graph is asked through {@code graphClient}
     * (with whatever executor, trust and proxy it was built with), tokens come from {@code credential}.
     * {@code config.credential} is not used.
     *
     * @throws ConfigException when a setting of {@code config} is unusable (see {@link #fromConfig})
     */
    public EntraDeviceCheck(EntraConfig config, TokenCredential credential, HttpClient graphClient, Clock clock,
            Ticker ticker) throws ConfigException {
        this(config, Settings.parse(config), credential, graphClient, clock, ticker, newExecutor());
    }

    private EntraDeviceCheck(EntraConfig config, Settings settings, TokenCredential credential, HttpClient graphClient,
            Clock clock, Ticker ticker, ExecutorService executor) {
        Objects.requireNonNull(credential, "credential");
        Objects.requireNonNull(graphClient, "graphClient");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.executor = executor;
        this.issuer = settings.issuer();
        this.issuerCas = settings.issuerCas();
        this.allowedTrustTypes = config.allowedTrustTypes().stream()
                .map(t -> t.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        this.requireCompliant = config.requireCompliant();
        this.requireManaged = config.requireManaged();
        this.failOpen = config.whenUnavailable() == FailMode.FAIL_OPEN;
        this.timeout = config.timeout();
        this.tokens = new BearerTokens(credential, GraphDevices.scope(config.graphEndpoint()), timeout, clock, executor);
        this.graph = new GraphDevices(graphClient, config.graphEndpoint(), timeout, clock);
        Duration positiveTtl = config.positiveTtl();
        Duration negativeTtl = config.negativeTtl();
        this.answers = Caffeine.newBuilder()
                .maximumSize(config.cacheSize())
                .ticker(ticker)
                .executor(Runnable::run)
                .expireAfter(Expiry.<String, GraphAnswer>writing(
                        (deviceId, answer) -> answer.negative() ? negativeTtl : positiveTtl))
                .build();
    }

    /**
     * The check as configured: credential from {@code entra.credential}, Graph through a JDK
     * HttpClient with the default trust store and proxy selector, both on an executor this check owns.
     *
     * @param clock wall time (token expiry, Retry-After dates)
     * @param ticker cache and back-off time
     * @throws ConfigException naming every unusable setting ({@code entra.credential.type: ...},
     *     {@code entra.issuerCaBundle: ...}, ...)
     */
    public static EntraDeviceCheck fromConfig(EntraConfig config, Clock clock, Ticker ticker) throws ConfigException {
        List<String> problems = new ArrayList<>();
        Settings settings = null;
        try {
            settings = Settings.parse(config);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        ExecutorService executor = newExecutor();
        try {
            TokenCredential credential = null;
            try {
                credential = EntraCredentials.fromConfig(config.credential(), config.timeout(), executor);
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            HttpClient graphClient = HttpClient.newBuilder()
                    .executor(executor)
                    .connectTimeout(config.timeout())
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .proxy(ProxySelector.getDefault())
                    .build();
            return new EntraDeviceCheck(config, settings, credential, graphClient, clock, ticker, executor);
        } catch (ConfigException | RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletableFuture<CheckResult> check(ClientIdentity identity, CheckContext context) {
        return verify(identity, context).thenApply(EntraOutcome::result);
    }

    /**
     * As {@link #check}, with the verified device (the origin's {@code EntraDeviceId} and
     * {@code EntraDeviceName}) when the result passed after a Graph answer. Never blocks; the future
     * completes on this check's executor (or at once for a cached answer or a refusal that needs no
     * Graph), and never exceptionally.
     */
    public CompletableFuture<EntraOutcome> verify(ClientIdentity identity, CheckContext context) {
        try {
            CheckResult notDevice = notADeviceCertificate(identity);
            if (notDevice != null) {
                return CompletableFuture.completedFuture(EntraOutcome.of(notDevice));
            }
            String deviceId = identity.commonName().toLowerCase(Locale.ROOT);
            return lookup(deviceId).handle((answer, error) -> outcome(identity, deviceId, answer, error));
        } catch (RuntimeException e) {
            LOG.error("entra: unexpected failure checking {}", identity, e);
            return CompletableFuture.completedFuture(unavailable("?", e));
        }
    }

    private EntraOutcome outcome(ClientIdentity identity, String deviceId, GraphAnswer answer, Throwable error) {
        try {
            return error == null ? judge(identity, deviceId, answer) : unavailable(deviceId, error);
        } catch (RuntimeException e) {
            LOG.error("entra: unexpected failure checking device {}", deviceId, e);
            return unavailable(deviceId, e);
        }
    }

    /** Counters for metrics. */
    public Counters counters() {
        return new Counters(graphCalls.get(), cacheHits.get(), joinedLookups.get(), outages.get(),
                throttledCalls.get(), softPasses.get());
    }

    /**
     * @param graphCalls device lookups sent to Graph
     * @param cacheHits checks answered from the cache
     * @param joinedLookups checks that waited for a lookup of the same device already in flight
     * @param outages checks that Graph could not answer (including back-off after a 429)
     * @param throttled 429 answers received from Graph
     * @param softPasses outages turned into a pass by {@code whenUnavailable: FAIL_OPEN}
     */
    public record Counters(long graphCalls, long cacheHits, long joinedLookups, long outages, long throttled,
            long softPasses) {}

    /** How the last Graph lookup (token included) ended, or null when none was made yet. */
    public GraphStatus graphStatus() {
        return lastGraphStatus;
    }

    /**
     * @param at when the last lookup ended
     * @param lastError why it failed, or null when Graph answered (a "no such device" is an answer)
     */
    public record GraphStatus(java.time.Instant at, String lastError) {
        public boolean reachable() {
            return lastError == null;
        }
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
    }

    // --- certificate ---------------------------------------------------------------------------

    private CheckResult notADeviceCertificate(ClientIdentity identity) {
        if (!identity.issuer().sameAs(issuer)) {
            return CheckResult.fail(NAME, RejectReason.ENTRA_NOT_DEVICE_CERTIFICATE,
                    "issuer " + identity.issuer() + " is not the Entra device issuer " + issuer);
        }
        if (!issuerCas.isEmpty() && !signedByIssuerCa(identity.leaf())) {
            return CheckResult.fail(NAME, RejectReason.ENTRA_NOT_DEVICE_CERTIFICATE,
                    "not signed by a CA of entra.issuerCaBundle (issuer " + identity.issuer() + ")");
        }
        String cn = identity.commonName();
        if (!GUID.matcher(cn).matches()) {
            return CheckResult.fail(NAME, RejectReason.ENTRA_NOT_DEVICE_CERTIFICATE,
                    "subject CN '" + cn + "' is not a device id (GUID)");
        }
        return null;
    }

    private boolean signedByIssuerCa(X509Certificate leaf) {
        for (X509Certificate ca : issuerCas) {
            try {
                leaf.verify(ca.getPublicKey());
                return true;
            } catch (GeneralSecurityException | RuntimeException e) {
                // not this CA
            }
        }
        return false;
    }

    // --- Graph ---------------------------------------------------------------------------------

    /** The cached answer, the lookup of this device already in flight, or a new one. */
    private CompletableFuture<GraphAnswer> lookup(String deviceId) {
        GraphAnswer cached = answers.getIfPresent(deviceId);
        if (cached != null) {
            cacheHits.incrementAndGet();
            return CompletableFuture.completedFuture(cached);
        }
        CompletableFuture<GraphAnswer> mine = new CompletableFuture<>();
        CompletableFuture<GraphAnswer> running = inFlight.putIfAbsent(deviceId, mine);
        if (running != null) {
            joinedLookups.incrementAndGet();
            return running;
        }
        cached = answers.getIfPresent(deviceId); // a lookup may have finished since the first look
        if (cached != null) {
            cacheHits.incrementAndGet();
            settle(deviceId, mine, cached, null);
            return mine;
        }
        if (closed) {
            inFlight.remove(deviceId, mine);
            mine.completeExceptionally(new GraphUnavailableException("the Entra check is closed", OUTAGE_RETRY_AFTER));
            return mine;
        }
        Long until = throttledUntil.get();
        long waitNanos = until == null ? 0 : until - ticker.read();
        if (waitNanos > 0) {
            Duration wait = RetryAfter.clamp(Duration.ofNanos(waitNanos));
            inFlight.remove(deviceId, mine);
            mine.completeExceptionally(new GraphUnavailableException(
                    "Graph is throttling; no lookup for another " + wait.toSeconds() + " s", wait));
            return mine;
        }
        CompletableFuture<GraphAnswer> call;
        try {
            call = tokens.token()
                    .thenCompose(token -> {
                        graphCalls.incrementAndGet();
                        return graph.find(deviceId, token);
                    })
                    .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) { // e.g. the executor refused the work
            call = CompletableFuture.failedFuture(e);
        }
        // waiting checks resume on this check's threads, not on azure-identity's or the timeout timer's
        call.whenComplete((answer, error) -> {
            lastGraphStatus = new GraphStatus(clock.instant(), error == null ? null : describe(error));
            onExecutor(() -> settle(deviceId, mine, answer, error));
        });
        return mine;
    }

    private void onExecutor(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) { // closed meanwhile: finish here rather than never
            task.run();
        }
    }

    /**
     * Publishes a lookup's outcome in this order: the answer into the cache, the device out of
     * the in-flight map, then the waiting checks. So a check that sees the result and asks again
     * finds the cached answer, or (after an outage) starts a fresh lookup.
     */
    private void settle(String deviceId, CompletableFuture<GraphAnswer> mine, GraphAnswer answer, Throwable error) {
        if (error == null) {
            answers.put(deviceId, answer);
        } else {
            noteFailure(deviceId, error);
        }
        inFlight.remove(deviceId, mine);
        if (error == null) {
            mine.complete(answer);
        } else {
            mine.completeExceptionally(error);
        }
    }

    private void noteFailure(String deviceId, Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof GraphUnavailableException unavailable) {
            if (unavailable.kind() == GraphUnavailableException.Kind.THROTTLED) {
                throttledCalls.incrementAndGet();
                long until = ticker.read() + unavailable.retryAfter().toNanos();
                throttledUntil.updateAndGet(previous -> previous == null || until - previous > 0 ? until : previous);
            } else if (unavailable.kind() == GraphUnavailableException.Kind.TOKEN_REFUSED) {
                tokens.invalidate();
            }
        }
        LOG.warn("entra: Graph lookup of device {} failed: {}", deviceId, describe(error));
    }

    // --- verdicts ------------------------------------------------------------------------------

    private EntraOutcome judge(ClientIdentity identity, String deviceId, GraphAnswer answer) {
        GraphDevice device = answer.device();
        if (device == null) {
            return EntraOutcome.of(CheckResult.fail(NAME, RejectReason.ENTRA_DEVICE_UNKNOWN,
                    "no device " + deviceId + " in the directory"));
        }
        String label = "device " + deviceId + " \"" + device.displayName() + "\"";
        if (!device.enabled()) {
            return EntraOutcome.of(CheckResult.fail(NAME, RejectReason.ENTRA_DEVICE_DISABLED, label + " is disabled"));
        }
        String mismatch = DeviceKey.mismatch(device.alternativeSecurityIds(), identity);
        if (!mismatch.isEmpty()) {
            return EntraOutcome.of(CheckResult.fail(NAME, RejectReason.ENTRA_KEY_MISMATCH, label + ": " + mismatch));
        }
        if (!allowedTrustTypes.isEmpty()
                && (device.trustType() == null || !allowedTrustTypes.contains(device.trustType().toLowerCase(Locale.ROOT)))) {
            return EntraOutcome.of(CheckResult.fail(NAME, RejectReason.ENTRA_DEVICE_NOT_COMPLIANT,
                    label + " has trustType " + device.trustType() + ", not one of entra.allowedTrustTypes"));
        }
        if (requireCompliant && !Boolean.TRUE.equals(device.isCompliant())) {
            return EntraOutcome.of(CheckResult.fail(NAME, RejectReason.ENTRA_DEVICE_NOT_COMPLIANT,
                    label + " is not compliant (isCompliant " + device.isCompliant() + ")"));
        }
        if (requireManaged && !Boolean.TRUE.equals(device.isManaged())) {
            return EntraOutcome.of(CheckResult.fail(NAME, RejectReason.ENTRA_DEVICE_NOT_COMPLIANT,
                    label + " is not managed (isManaged " + device.isManaged() + ")"));
        }
        CheckResult passed = new CheckResult(NAME, true, null,
                label + " verified (object " + device.objectId() + ", trustType " + device.trustType() + ")");
        return new EntraOutcome(passed, device.summary());
    }

    private EntraOutcome unavailable(String deviceId, Throwable error) {
        outages.incrementAndGet();
        Throwable cause = unwrap(error);
        Duration retryAfter = cause instanceof GraphUnavailableException u ? u.retryAfter() : OUTAGE_RETRY_AFTER;
        String detail = "Graph unavailable for device " + deviceId + ": " + describe(error);
        if (failOpen) {
            softPasses.incrementAndGet();
            LOG.warn("entra: admitting device {} without Graph (entra.whenUnavailable=FAIL_OPEN): {}", deviceId,
                    describe(error));
            return EntraOutcome.of(new CheckResult(NAME, true, null, detail + "; admitted by entra.whenUnavailable=FAIL_OPEN"));
        }
        return EntraOutcome.of(CheckResult.unavailable(NAME, RejectReason.ENTRA_UNAVAILABLE, detail, retryAfter));
    }

    private String describe(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof TimeoutException) {
            return "no answer within " + timeout.toMillis() + " ms (entra.timeout, token included)";
        }
        if (cause instanceof GraphUnavailableException) {
            return cause.getMessage();
        }
        return cause == null ? "unknown" : cause.getClass().getSimpleName() + ": " + BearerTokens.firstLine(cause.getMessage());
    }

    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    // --- configuration -------------------------------------------------------------------------

    /** The settings that need parsing, checked together so one error lists every problem. */
    private record Settings(DistinguishedName issuer, List<X509Certificate> issuerCas) {
        static Settings parse(EntraConfig config) throws ConfigException {
            List<String> problems = new ArrayList<>();
            DistinguishedName issuer = null;
            try {
                issuer = DistinguishedName.parse(config.issuer());
            } catch (IllegalArgumentException e) {
                problems.add("entra.issuer: not a distinguished name: '" + config.issuer() + "'");
            }
            List<X509Certificate> cas = List.of();
            if (config.issuerCaBundle() != null) {
                try {
                    cas = List.copyOf(PemFiles.readCertificates(config.issuerCaBundle()));
                    DistinguishedName expected = issuer;
                    if (expected != null && cas.stream()
                            .noneMatch(ca -> DistinguishedName.of(ca.getSubjectX500Principal()).sameAs(expected))) {
                        problems.add("entra.issuerCaBundle: no certificate in " + config.issuerCaBundle()
                                + " has the subject entra.issuer (" + issuer + "), so no device certificate could pass");
                    }
                } catch (PkiException e) {
                    problems.add("entra.issuerCaBundle: " + e.getMessage());
                }
            }
            URI endpoint = config.graphEndpoint();
            if (!"https".equalsIgnoreCase(endpoint.getScheme()) || endpoint.getHost() == null
                    || endpoint.getRawQuery() != null || endpoint.getRawFragment() != null) {
                problems.add("entra.graphEndpoint: must be an https URL without query, e.g. https://graph.microsoft.com");
            }
            if (config.timeout().isNegative() || config.timeout().isZero()) {
                problems.add("entra.timeout: must be positive");
            }
            if (config.positiveTtl().isNegative()) {
                problems.add("entra.positiveTtl: must not be negative");
            }
            if (config.negativeTtl().isNegative()) {
                problems.add("entra.negativeTtl: must not be negative");
            }
            if (config.cacheSize() < 0) {
                problems.add("entra.cacheSize: must not be negative");
            }
            for (String trustType : config.allowedTrustTypes()) {
                if (trustType == null || !TRUST_TYPES.contains(trustType.toLowerCase(Locale.ROOT))) {
                    problems.add("entra.allowedTrustTypes: unknown '" + trustType
                            + "' (expected AzureAd, ServerAd or Workplace)");
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new Settings(issuer, cas);
        }
    }

    private static ExecutorService newExecutor() {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = runnable -> {
            Thread thread = new Thread(runnable, "entra-graph-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        return Executors.newFixedThreadPool(EXECUTOR_THREADS, factory);
    }
}
