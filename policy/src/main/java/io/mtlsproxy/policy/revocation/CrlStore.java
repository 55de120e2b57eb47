package io.mtlsproxy.policy.revocation;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.RevocationConfig;
import io.mtlsproxy.policy.TrustMaterial;
import io.mtlsproxy.policy.revocation.LoadedCrl.CrlException;
import io.mtlsproxy.policy.revocation.LoadedCrl.Revoked;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.cert.CRL;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CRLs of the client CAs: from files ({@code revocation.crlFiles}), URLs
 * ({@code revocation.crlUrls}) and, when {@code revocation.crlDistributionPoints} is on, the
 * distribution points client certificates name.
 *
 * <p>Every CRL is verified against its issuer, a configured anchor or intermediate (or, for a
 * distribution point, the CA of the presented chain that leads to one), which must have cRLSign if
 * it has a key usage extension. A CRL that fails (unreadable, bad signature, older than the one in
 * use, unsupported kind) is refused, logged, and the last good one kept.
 *
 * <p>Loading runs on the injected scheduler only: files are re-read when they change, URLs
 * re-fetched every {@code refreshInterval} and ahead of each CRL's nextUpdate, a distribution point
 * the first time a certificate names it. Lookups ({@link #status}, {@link #chainStatus},
 * {@link #isRevoked}) read an immutable index (issuer, then revoked serials in a hash map) and
 * never block or touch the network.
 *
 * <p>Coverage: a certificate is judged by the CRLs of its issuer. When no CRL covers the issuer,
 * the status is {@link CrlStatus.Kind#UNKNOWN} while a configured source has never loaded (it may
 * be that issuer's) or the certificate's distribution point is still being fetched, and
 * {@link CrlStatus.Kind#NOT_COVERED} otherwise (nothing to check; configure that CA's CRL too).
 */
public final class CrlStore implements AutoCloseable {
    /** How long past its nextUpdate a CRL is still used as fresh. */
    public static final Duration STALE_GRACE = Duration.ofMinutes(5);
    public static final long MAX_CRL_BYTES = 10L * 1024 * 1024;
    public static final Duration FETCH_TIMEOUT = Duration.ofSeconds(30);
    /** Bound on distinct distribution point URLs followed, whatever clients present. */
    public static final int MAX_DISTRIBUTION_POINTS = 256;
    private static final Duration RETRY = Duration.ofSeconds(30);
    private static final Duration MIN_LEAD = Duration.ofSeconds(10);
    private static final Duration MAX_LEAD = Duration.ofHours(1);

    private static final Logger log = LoggerFactory.getLogger(CrlStore.class);

    private final IssuerResolver issuers;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final HttpFetcher http;
    private final Duration refreshInterval;
    private final boolean distributionPoints;
    private final Runnable onChange;
    private final Counters counters;
    private final Duration fetchTimeout;
    private final List<Source> configured;
    private final Map<URI, Source> fromDistributionPoints = new ConcurrentHashMap<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final Object indexLock = new Object();
    private volatile Index index;
    private volatile boolean closed;

    /**
     * @param scheduler runs every load; never an event loop
     * @param httpClient fetches URL and distribution-point CRLs
     * @param onChange run on a scheduler thread when a CRL changes a verdict (a serial revoked or
     *     un-revoked, a source loaded for the first time, a CRL turned stale or fresh again)
     */
    public CrlStore(RevocationConfig config, TrustMaterial trust, Clock clock, ScheduledExecutorService scheduler,
            HttpClient httpClient, Runnable onChange) {
        this(config, trust, clock, scheduler, httpClient, onChange, new Counters(), FETCH_TIMEOUT);
    }

    CrlStore(RevocationConfig config, TrustMaterial trust, Clock clock, ScheduledExecutorService scheduler,
            HttpClient httpClient, Runnable onChange, Counters counters, Duration fetchTimeout) {
        this.issuers = new IssuerResolver(Objects.requireNonNull(trust, "trust"));
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.http = new HttpFetcher(httpClient);
        this.refreshInterval = config.refreshInterval();
        this.distributionPoints = config.crlDistributionPoints();
        this.onChange = Objects.requireNonNull(onChange, "onChange");
        this.counters = counters;
        this.fetchTimeout = fetchTimeout;
        List<Source> sources = new ArrayList<>();
        for (int i = 0; i < config.crlFiles().size(); i++) {
            Path file = config.crlFiles().get(i);
            sources.add(new Source("revocation.crlFiles[" + i + "] (" + file + ")", file, null, null));
        }
        for (int i = 0; i < config.crlUrls().size(); i++) {
            URI uri = config.crlUrls().get(i);
            sources.add(new Source("revocation.crlUrls[" + i + "] (" + uri + ")", null, uri, null));
        }
        this.configured = List.copyOf(sources);
        this.index = buildIndex();
    }

    /**
     * Reads the configured files now, on the calling thread (start-up).
     *
     * @throws ConfigException naming each file that cannot be used, e.g. {@code revocation.crlFiles[0]: ...}
     */
    public void loadFiles() throws ConfigException {
        List<String> problems = new ArrayList<>();
        for (Source source : configured) {
            if (source.file != null) {
                synchronized (source) {
                    try {
                        List<LoadedCrl> crls = read(source, clock.instant());
                        if (crls != null) {
                            install(source, crls);
                        }
                    } catch (CrlLoadException e) {
                        problems.add(source.name.substring(0, source.name.indexOf(' ')) + ": " + source.file + ": " + e.getMessage());
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /**
     * Starts the background work: fetches each URL now and schedules every refresh.
     *
     * @return completes when each configured URL has been tried once (loaded or not)
     */
    public CompletableFuture<Void> start() {
        List<CompletableFuture<Void>> firstAttempts = new ArrayList<>();
        Instant now = clock.instant();
        for (Source source : configured) {
            if (source.file != null) {
                synchronized (source) {
                    scheduleNext(source, now);
                }
            } else {
                firstAttempts.add(source.firstAttempt);
                run(source);
            }
        }
        return CompletableFuture.allOf(firstAttempts.toArray(CompletableFuture[]::new));
    }

    /** Stops scheduling; lookups keep answering from the last index. */
    @Override
    public void close() {
        closed = true;
        for (Source source : allSources()) {
            ScheduledFuture<?> next = source.next;
            if (next != null) {
                next.cancel(false);
            }
        }
    }

    /** True when CRLs can ever say something: a file or URL configured, or distribution points followed. */
    public boolean enabled() {
        return !configured.isEmpty() || distributionPoints;
    }

    /**
     * What the CRLs say about one certificate. O(1): an issuer lookup and a serial lookup per CRL of
     * that issuer. May queue a distribution-point fetch on the scheduler; never fetches itself.
     *
     * @param presented the chain the client presented, whose CA certificates may vouch for a distribution point's CRL
     */
    public CrlStatus status(X509Certificate cert, List<X509Certificate> presented, Instant now) {
        List<LoadedCrl> crls = index.byIssuer.get(cert.getIssuerX500Principal());
        LoadedCrl fresh = null;
        LoadedCrl stale = null;
        if (crls != null) {
            for (int i = 0; i < crls.size(); i++) {
                LoadedCrl crl = crls.get(i);
                if (!crl.covers(cert)) {
                    continue;
                }
                Revoked revoked = crl.revoked.get(cert.getSerialNumber());
                if (revoked != null) {
                    // a revocation stands even in a stale CRL
                    return CrlStatus.revoked("'" + cert.getSubjectX500Principal().getName() + "' (serial "
                            + cert.getSerialNumber().toString(16) + ") " + revoked.describe() + ", by " + crl.describe());
                }
                if (crl.staleAt(now, STALE_GRACE)) {
                    stale = crl;
                } else {
                    fresh = crl;
                }
            }
        }
        if (fresh != null) {
            return CrlStatus.GOOD;
        }
        if (stale != null) {
            return CrlStatus.unknown("stale:" + stale.issuer.getName(), stale.describe() + " is stale: nextUpdate passed more than "
                    + STALE_GRACE.toMinutes() + " min ago (now " + now + ")" + lastErrorOf(stale.source));
        }
        if (distributionPoints) {
            CrlStatus status = fromDistributionPoint(cert, presented);
            if (status != null) {
                return status;
            }
        }
        if (index.configuredMissing) {
            return CrlStatus.unknown("unloaded", "no CRL of '" + cert.getIssuerX500Principal().getName()
                    + "' is loaded and some configured CRLs have never loaded (it may be theirs): " + describeUnloaded());
        }
        return CrlStatus.NOT_COVERED;
    }

    /**
     * The status of a presented chain (leaf first): every certificate but trust anchors. A revoked
     * certificate anywhere wins; otherwise the first unknown; otherwise the leaf's status.
     */
    public CrlStatus chainStatus(List<X509Certificate> chain, Instant now) {
        CrlStatus leaf = null;
        CrlStatus unknown = null;
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate cert = chain.get(i);
            if (i > 0 && issuers.isAnchor(cert)) {
                continue;
            }
            CrlStatus status = status(cert, chain, now);
            if (status.kind() == CrlStatus.Kind.REVOKED) {
                return status;
            }
            if (status.kind() == CrlStatus.Kind.UNKNOWN && unknown == null) {
                unknown = status;
            }
            if (i == 0) {
                leaf = status;
            }
        }
        return unknown != null ? unknown : leaf;
    }

    /** True when a loaded CRL (fresh or stale) lists a certificate of the chain. */
    public boolean isRevoked(List<X509Certificate> chain) {
        Index current = index;
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate cert = chain.get(i);
            List<LoadedCrl> crls = current.byIssuer.get(cert.getIssuerX500Principal());
            if (crls == null || (i > 0 && issuers.isAnchor(cert))) {
                continue;
            }
            for (int j = 0; j < crls.size(); j++) {
                LoadedCrl crl = crls.get(j);
                if (crl.covers(cert) && crl.revoked.containsKey(cert.getSerialNumber())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** For operators (the inspect tool, health): each source, whether it loaded, its CRLs and last error. */
    public List<SourceStatus> sources() {
        List<SourceStatus> statuses = new ArrayList<>();
        for (Source source : allSources()) {
            statuses.add(new SourceStatus(source.name, source.loaded,
                    source.crls.stream().map(LoadedCrl::describe).toList(), source.lastError));
        }
        return statuses;
    }

    /**
     * One CRL source as operators see it.
     *
     * @param name the setting (or distribution point) and its file or URL
     * @param loaded whether it ever loaded
     * @param crls its CRLs in use
     * @param lastError why the last attempt failed; null after a success
     */
    public record SourceStatus(String name, boolean loaded, List<String> crls, String lastError) {}

    /** True the first time a key is seen since the last successful load: an outage is logged once. */
    boolean firstWarning(String key) {
        return warned.add(key);
    }

    // ---- loading (scheduler threads) ----

    private void run(Source source) {
        if (closed) {
            return;
        }
        try {
            scheduler.execute(() -> attempt(source));
        } catch (RejectedExecutionException e) {
            log.debug("revocation: scheduler refused the load of {}", source.name);
        }
    }

    private void attempt(Source source) {
        if (closed) {
            return;
        }
        synchronized (source) {
            Instant now = clock.instant();
            try {
                List<LoadedCrl> crls = read(source, now);
                if (crls != null) {
                    install(source, crls);
                }
                source.failures = 0;
            } catch (CrlLoadException e) {
                counters.crlLoadFailures.increment();
                if (!e.getMessage().equals(source.lastError)) {
                    log.warn("revocation: CRL from {} refused: {}; {}", source.name, e.getMessage(), source.loaded
                            ? "keeping the last good one" : "certificates it covers stay unchecked until it loads");
                } else {
                    log.debug("revocation: CRL from {} still refused: {}", source.name, e.getMessage());
                }
                source.lastError = e.getMessage();
                source.failures++;
            } catch (RuntimeException e) {
                counters.crlLoadFailures.increment();
                source.lastError = "unexpected " + e;
                source.failures++;
                log.warn("revocation: CRL from {} failed unexpectedly", source.name, e);
            } finally {
                source.firstAttempt.complete(null);
            }
            boolean stale = source.staleAt(now);
            if (stale != source.stale) {
                source.stale = stale;
                if (stale) {
                    log.warn("revocation: CRL from {} is stale (nextUpdate passed more than {} min ago): {}", source.name, STALE_GRACE.toMinutes(),
                            source.lastError == null ? "no newer CRL published" : source.lastError);
                }
                fireChange();
            }
            scheduleNext(source, now);
        }
    }

    /** Reads, parses and verifies one source: its new CRLs, or null when a file did not change. */
    private List<LoadedCrl> read(Source source, Instant now) throws CrlLoadException {
        byte[] bytes;
        if (source.file != null) {
            FileStamp stamp;
            try {
                stamp = FileStamp.of(source.file);
            } catch (IOException e) {
                throw new CrlLoadException(e instanceof NoSuchFileException ? "no such file" : "cannot be read (" + e + ")");
            }
            if (stamp.equals(source.stamp) && source.lastError == null && source.loaded) {
                return null;
            }
            source.stamp = stamp;
            bytes = readFile(source.file);
        } else {
            try {
                bytes = http.getBlocking(source.uri, fetchTimeout, MAX_CRL_BYTES);
            } catch (IOException e) {
                throw new CrlLoadException("cannot be fetched: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CrlLoadException("interrupted");
            }
        }
        Collection<? extends CRL> parsed;
        try {
            parsed = CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(bytes));
        } catch (CRLException | CertificateException | RuntimeException e) {
            throw new CrlLoadException("not a CRL in PEM or DER (" + e.getMessage() + ")");
        }
        if (parsed.isEmpty()) {
            throw new CrlLoadException("holds no CRL");
        }
        List<LoadedCrl> crls = new ArrayList<>();
        for (CRL crl : parsed) {
            X509CRL x509 = (X509CRL) crl;
            X509Certificate signer = verify(x509, source);
            Instant thisUpdate = x509.getThisUpdate().toInstant();
            if (thisUpdate.isAfter(now.plus(STALE_GRACE))) {
                throw new CrlLoadException("CRL of '" + x509.getIssuerX500Principal().getName() + "' has thisUpdate "
                        + thisUpdate + " in the future (now " + now + ")");
            }
            LoadedCrl loaded;
            try {
                loaded = LoadedCrl.of(x509, signer, source.name);
            } catch (CrlException e) {
                throw new CrlLoadException("CRL of '" + x509.getIssuerX500Principal().getName() + "' " + e.getMessage());
            }
            for (LoadedCrl current : source.crls) {
                if (current.issuer.equals(loaded.issuer) && (loaded.thisUpdate.isBefore(current.thisUpdate)
                        || (loaded.number != null && current.number != null && loaded.number.compareTo(current.number) < 0))) {
                    throw new CrlLoadException("CRL of '" + loaded.issuer.getName() + "' (thisUpdate " + loaded.thisUpdate
                            + ") is older than the one in use (thisUpdate " + current.thisUpdate + ")");
                }
            }
            crls.add(loaded);
        }
        return crls;
    }

    private static byte[] readFile(Path file) throws CrlLoadException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) MAX_CRL_BYTES + 1);
            if (bytes.length > MAX_CRL_BYTES) {
                throw new CrlLoadException("larger than " + MAX_CRL_BYTES + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new CrlLoadException(e instanceof NoSuchFileException ? "no such file" : "cannot be read (" + e + ")");
        }
    }

    /** The CA whose key signed the CRL; it must be allowed to sign CRLs. */
    private X509Certificate verify(X509CRL crl, Source source) throws CrlLoadException {
        X500Principal issuer = crl.getIssuerX500Principal();
        List<X509Certificate> candidates = new ArrayList<>(issuers.trusted(issuer));
        if (source.distributionPointIssuer != null && source.distributionPointIssuer.getSubjectX500Principal().equals(issuer)) {
            candidates.add(source.distributionPointIssuer);
        }
        if (candidates.isEmpty()) {
            throw new CrlLoadException("CRL issuer '" + issuer.getName()
                    + "' is not a configured CA (add it to tls.trustAnchors or tls.intermediates)");
        }
        String problem = null;
        for (X509Certificate candidate : candidates) {
            if (!IssuerResolver.maySignCrls(candidate)) {
                problem = "'" + issuer.getName() + "' may not sign CRLs (its key usage lacks cRLSign)";
                continue;
            }
            try {
                crl.verify(candidate.getPublicKey());
                return candidate;
            } catch (GeneralSecurityException | RuntimeException e) {
                problem = problem != null ? problem : "signature does not verify with the key of '" + issuer.getName() + "'";
            }
        }
        throw new CrlLoadException("CRL of '" + issuer.getName() + "': " + problem);
    }

    private void install(Source source, List<LoadedCrl> crls) {
        boolean changed;
        synchronized (indexLock) {
            List<LoadedCrl> previous = source.crls;
            boolean first = !source.loaded;
            source.crls = List.copyOf(crls);
            source.loaded = true;
            source.lastError = null;
            index = buildIndex();
            changed = first || !sameVerdicts(previous, crls);
            if (!first && sameThisUpdates(previous, crls)) {
                log.debug("revocation: CRL from {} unchanged", source.name);
                return;
            }
        }
        counters.crlLoads.increment();
        warned.clear();
        for (LoadedCrl crl : crls) {
            log.info("revocation: loaded {}: {} revoked serials", crl.describe(), crl.revoked.size());
        }
        if (changed) {
            fireChange();
        }
    }

    private void fireChange() {
        try {
            onChange.run();
        } catch (RuntimeException e) {
            log.warn("revocation: a revocation listener failed", e);
        }
    }

    private static boolean sameVerdicts(List<LoadedCrl> a, List<LoadedCrl> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).sameVerdicts(b.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameThisUpdates(List<LoadedCrl> a, List<LoadedCrl> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).issuer.equals(b.get(i).issuer) || !a.get(i).thisUpdate.equals(b.get(i).thisUpdate)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Next attempt: every refreshInterval; ahead of each CRL's nextUpdate (by a tenth of its
     * validity, between 10 s and 1 h), then every sixth of that lead while the issuer has not
     * published a newer one; just after a CRL turns stale (so the change is announced); and after
     * a failure with exponential backoff from 30 s. Never later than refreshInterval.
     */
    private void scheduleNext(Source source, Instant now) {
        if (closed) {
            return;
        }
        Duration delay = refreshInterval;
        for (LoadedCrl crl : source.crls) {
            if (crl.nextUpdate == null) {
                continue;
            }
            Duration lead = clamp(Duration.between(crl.thisUpdate, crl.nextUpdate).dividedBy(10), MIN_LEAD, MAX_LEAD);
            Instant refreshAt = crl.nextUpdate.minus(lead);
            Duration due = refreshAt.isAfter(now) ? Duration.between(now, refreshAt) : max(RETRY, lead.dividedBy(6));
            delay = min(delay, due);
            Instant staleAt = crl.nextUpdate.plus(STALE_GRACE).plusSeconds(1);
            if (staleAt.isAfter(now)) {
                delay = min(delay, Duration.between(now, staleAt));
            }
        }
        if (source.failures > 0) {
            delay = min(delay, RETRY.multipliedBy(1L << Math.min(source.failures - 1, 10)));
        }
        try {
            source.next = scheduler.schedule(() -> attempt(source), Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("revocation: scheduler refused the refresh of {}", source.name);
        }
    }

    // ---- distribution points ----

    /** Null when the certificate names no HTTP distribution point. */
    private CrlStatus fromDistributionPoint(X509Certificate cert, List<X509Certificate> presented) {
        List<URI> points = CertificateUrls.crlDistributionPoints(cert);
        if (points.isEmpty()) {
            return null;
        }
        URI uri = points.get(0);
        Source source = fromDistributionPoints.get(uri);
        if (source == null) {
            X509Certificate issuer = issuers.verifiedIssuer(cert, presented);
            if (issuer == null) {
                return CrlStatus.unknown("cdp-untrusted", "distribution point " + uri + " not followed: '"
                        + cert.getSubjectX500Principal().getName() + "' is not issued by a CA that leads to a configured trust anchor");
            }
            if (fromDistributionPoints.size() >= MAX_DISTRIBUTION_POINTS) {
                return CrlStatus.unknown("cdp-limit", "distribution point " + uri + " not followed: already following "
                        + MAX_DISTRIBUTION_POINTS + " distribution points");
            }
            Source created = new Source("CRL distribution point " + uri, null, uri, issuer);
            source = fromDistributionPoints.putIfAbsent(uri, created);
            if (source == null) {
                source = created;
                log.info("revocation: following CRL distribution point {} of '{}'", uri, issuer.getSubjectX500Principal().getName());
                run(created);
            }
        }
        if (source.loaded) {
            return CrlStatus.unknown("cdp:" + uri, "the CRL at distribution point " + uri + " does not cover '"
                    + cert.getSubjectX500Principal().getName() + "' (issuer '" + cert.getIssuerX500Principal().getName() + "')");
        }
        return CrlStatus.unknown("cdp:" + uri, "the CRL of '" + cert.getIssuerX500Principal().getName() + "' at distribution point "
                + uri + (source.lastError == null ? " is being fetched" : " could not be loaded: " + source.lastError));
    }

    // ---- index ----

    private Index buildIndex() {
        Map<X500Principal, List<LoadedCrl>> byIssuer = new HashMap<>();
        boolean missing = false;
        for (Source source : allSources()) {
            for (LoadedCrl crl : source.crls) {
                byIssuer.computeIfAbsent(crl.issuer, i -> new ArrayList<>()).add(crl);
            }
        }
        for (Source source : configured) {
            missing |= !source.loaded;
        }
        byIssuer.replaceAll((issuer, crls) -> List.copyOf(crls));
        return new Index(Map.copyOf(byIssuer), missing);
    }

    private List<Source> allSources() {
        List<Source> all = new ArrayList<>(configured);
        all.addAll(fromDistributionPoints.values());
        return all;
    }

    private String describeUnloaded() {
        return configured.stream()
                .filter(source -> !source.loaded)
                .map(source -> source.name + (source.lastError == null ? " (not tried yet)" : ": " + source.lastError))
                .collect(Collectors.joining("; "));
    }

    private String lastErrorOf(String sourceName) {
        for (Source source : allSources()) {
            if (source.name.equals(sourceName) && source.lastError != null) {
                return "; last refresh failed: " + source.lastError;
            }
        }
        return "";
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static Duration clamp(Duration value, Duration low, Duration high) {
        return value.compareTo(low) < 0 ? low : value.compareTo(high) > 0 ? high : value;
    }

    /** Issuer to its CRLs; whether some configured source has never loaded. */
    private record Index(Map<X500Principal, List<LoadedCrl>> byIssuer, boolean configuredMissing) {}

    /** Modification time, size and identity of a file: a change to any is a new version. */
    private record FileStamp(long modifiedMillis, long size, Object fileKey) {
        static FileStamp of(Path file) throws IOException {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new FileStamp(attributes.lastModifiedTime().toMillis(), attributes.size(), attributes.fileKey());
        }
    }

    /** One place CRLs come from. Mutated under its own monitor (one attempt at a time); read lock-free. */
    private static final class Source {
        final String name;
        final Path file;
        final URI uri;
        final X509Certificate distributionPointIssuer;
        final CompletableFuture<Void> firstAttempt = new CompletableFuture<>();
        volatile List<LoadedCrl> crls = List.of();
        volatile boolean loaded;
        volatile String lastError;
        volatile ScheduledFuture<?> next;
        FileStamp stamp;
        boolean stale;
        int failures;

        Source(String name, Path file, URI uri, X509Certificate distributionPointIssuer) {
            this.name = name;
            this.file = file;
            this.uri = uri;
            this.distributionPointIssuer = distributionPointIssuer;
        }

        boolean staleAt(Instant now) {
            for (LoadedCrl crl : crls) {
                if (crl.staleAt(now, STALE_GRACE)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final class CrlLoadException extends Exception {
        CrlLoadException(String message) {
            super(message);
        }
    }
}
