package io.mtlsproxy.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.mtlsproxy.core.config.PolicyConfig;
import io.mtlsproxy.core.identity.ChainKey;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.IdentityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Authenticates a presented client chain: what the TLS trust manager and the post-handshake
 * identity handler call. Thread-safe; runs on event-loop threads.
 *
 * <p>Successful authentications are cached by {@link ChainKey} (bounded by
 * {@code policy.chainCacheSize}, for {@code policy.chainCacheTtl} but never past the earliest
 * notAfter of the presented chain), so a device that reconnects costs one chain hash and one
 * lookup. The hash reads only {@code getEncoded()}, which keeps BoringSSL's lazily parsed
 * certificates unparsed on that path. Failures are never cached: a refused device must not be
 * able to pin its refusal, and a fixed one must get in at once. Reloads and revocation updates
 * empty the cache through {@link #invalidateAll()}.
 */
public final class ClientAuthenticator {
    static final String CERTIFICATE_CHECK = "certificate";

    private static final Authentication NO_CERTIFICATE = new Authentication(null,
            Decision.refused(CERTIFICATE_CHECK, RejectReason.NO_CERTIFICATE, "the client sent no certificate"), false);

    private final ClientCertificatePolicy policy;
    private final Clock clock;
    private final Duration ttl;
    private final Cache<ChainKey, Authentication> successes;
    /** Bumped by {@link #invalidateAll()}, so a success evaluated before it is never kept after it. */
    private final AtomicLong generation = new AtomicLong();

    /**
     * @param ticker measures cache expiry ({@link Ticker#systemTicker()} in production)
     * @param clock the wall clock certificates' notAfter is compared with
     */
    public ClientAuthenticator(ClientCertificatePolicy policy, PolicyConfig config, Ticker ticker, Clock clock) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ttl = config.chainCacheTtl();
        this.successes = Caffeine.newBuilder()
                .maximumSize(config.chainCacheSize())
                .expireAfter(Expiry.<ChainKey, Authentication>writing((key, success) -> lifetime(success)))
                .ticker(ticker)
                // maintenance stays on the calling thread: no hand-off to the common pool per handshake
                .executor(Runnable::run)
                .recordStats()
                .build();
    }

    /** Authenticates a chain as presented (leaf first); never throws for a bad or missing certificate. */
    public Authentication authenticate(List<? extends X509Certificate> presentedChain) {
        if (presentedChain == null || presentedChain.isEmpty()) {
            return NO_CERTIFICATE;
        }
        ChainKey key;
        try {
            key = ChainKey.of(presentedChain);
        } catch (RuntimeException e) {
            return unreadable(e.getMessage());
        }
        Authentication cached = successes.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        ClientIdentity identity;
        try {
            identity = ClientIdentity.of(List.copyOf(presentedChain), key);
        } catch (IdentityException | RuntimeException e) {
            return unreadable(e.getMessage());
        }
        long evaluatedIn = generation.get();
        Decision decision = policy.evaluate(identity);
        if (decision.allowed()) {
            // not computeIfAbsent: it would block other event loops on the same chain while this one validates
            successes.put(key, new Authentication(identity, decision, true));
            if (generation.get() != evaluatedIn) {
                // invalidateAll ran during the evaluation: the success may rest on what it invalidated
                successes.invalidate(key);
            }
        }
        return new Authentication(identity, decision, false);
    }

    /**
     * Forgets every cached success: the hook for everything that can turn an accepted chain into a
     * refused one while the chain stays the same. Call it
     *
     * <ul>
     *   <li>on a revocation update: a new CRL, an OCSP answer saying revoked, a deny-list change;
     *   <li>on a configuration reload, for an authenticator that stays in use until the new one is
     *       swapped in (the policy is fixed per authenticator, so a reload builds a new one, whose
     *       cache starts empty).
     * </ul>
     *
     * Thread-safe. A success that was being evaluated while this runs is not kept either: once this
     * returns, every later handshake is judged afresh (the connection that evaluation admits is the
     * revocation sweep's to close).
     */
    public void invalidateAll() {
        generation.incrementAndGet(); // before the clear: see authenticate
        successes.invalidateAll();
    }

    /** Hits and misses of the chain cache, for metrics. */
    public CacheStats stats() {
        return successes.stats();
    }

    private static Authentication unreadable(String detail) {
        return new Authentication(null,
                Decision.refused(CERTIFICATE_CHECK, RejectReason.UNREADABLE_CERTIFICATE, String.valueOf(detail)), false);
    }

    /** The TTL, cut short where the first certificate of the chain expires. */
    private Duration lifetime(Authentication success) {
        Instant validUntil = Instant.MAX;
        for (X509Certificate cert : success.identity().chain()) {
            Instant notAfter = cert.getNotAfter().toInstant();
            validUntil = notAfter.isBefore(validUntil) ? notAfter : validUntil;
        }
        Duration left = Duration.between(clock.instant(), validUntil);
        if (left.isNegative()) {
            return Duration.ZERO; // accepted within the clock skew: valid, but not worth remembering
        }
        return left.compareTo(ttl) < 0 ? left : ttl;
    }
}
