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

/**
 * Authenticates a presented client chain: what the TLS trust manager and the post-handshake
 * identity handler call. Thread-safe; runs on event-loop threads.
 *
 * <p>Successful authentications are cached by {@link ChainKey} (bounded by
 * {@code policy.chainCacheSize}, for {@code policy.chainCacheTtl} but never past the earliest
 * notAfter of the presented chain), so a device that reconnects costs one chain hash and one
 * lookup. The hash reads only {@code getEncoded()}, which keeps BoringSSL's lazily parsed
 * certificates unparsed on that path. Failures are never cached: a refused device must not be
 * able to pin its refusal, and a fixed one must get in at once.
 */
public final class ClientAuthenticator {
    static final String CERTIFICATE_CHECK = "certificate";

    private static final Authentication NO_CERTIFICATE = new Authentication(null,
            Decision.refused(CERTIFICATE_CHECK, RejectReason.NO_CERTIFICATE, "the client sent no certificate"), false);

    private final ClientCertificatePolicy policy;
    private final Clock clock;
    private final Duration ttl;
    private final Cache<ChainKey, Authentication> successes;

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
        Decision decision = policy.evaluate(identity);
        if (decision.allowed()) {
            // not computeIfAbsent: it would block other event loops on the same chain while this one validates
            successes.put(key, new Authentication(identity, decision, true));
        }
        return new Authentication(identity, decision, false);
    }

    /** Forgets every cached success, e.g. after the trust material or revocation data changed. */
    public void invalidateAll() {
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
