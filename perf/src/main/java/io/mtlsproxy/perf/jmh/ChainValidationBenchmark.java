package io.mtlsproxy.perf.jmh;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.PolicyConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.Authentication;
import io.mtlsproxy.policy.ChainValidationCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.ClientAuthenticator;
import io.mtlsproxy.policy.ClientCertificatePolicy;
import io.mtlsproxy.policy.TrustMaterial;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the trust manager pays per handshake to authenticate a device's chain, at depth 2 (leaf +
 * issuing CA) and 3 (leaf + two CAs), root excluded:
 *
 * <ul>
 *   <li>{@code cold*}: a device never seen before. The chains are pre-generated ({@value #DISTINCT_DEVICES}
 *       distinct leaves, more than the JDK's CertificateFactory cache of 750) and each is decoded
 *       from DER on every call, so the leaf's signature check cannot come from the JDK's per-object
 *       verification memo. The CAs above the leaf are shared by every device, as in a real PKI,
 *       and the JDK's factory cache hands back the same CA objects each time, as it does in
 *       production (BoringSSL's peer certificates are decoded through the same factory), so their
 *       signatures stay verified (the JDK remembers a verification per certificate object): per
 *       first-time device only the leaf's signature is new work, whatever the depth.
 *       {@code coldAuthentication} is the whole miss path of
 *       {@link ClientAuthenticator} (chain hash, identity, every check of the default policy) with
 *       its cache off ({@code policy.chainCacheSize: 0}), so no call can hit; {@code coldChainCheck}
 *       is {@link ChainValidationCheck} alone (path search + the JDK's PKIX validator);
 *       {@code decodeOnly} is the decoding both include, to subtract.
 *   <li>{@code cachedAuthentication}: a returning device, the default cache on: one chain hash
 *       and one lookup. Every reconnect without TLS resumption pays this instead of the cold path.
 * </ul>
 *
 * Run: {@code java -jar perf/target/benchmarks.jar ChainValidationBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChainValidationBenchmark {
    private static final int DISTINCT_DEVICES = 1024;

    /** Certificates the device presents, leaf included, root excluded. */
    @Param({"2", "3"})
    public int depth;

    private BenchPki.DerChains unseen;
    private ClientAuthenticator uncachedAuthenticator;
    private ClientAuthenticator cachingAuthenticator;
    private ChainValidationCheck chainCheck;
    private Clock clock;
    private Duration clockSkew;
    private List<X509Certificate> returning;
    private int next;

    @Setup
    public void setUp() throws Exception {
        BenchPki pki = BenchPki.create(depth, BenchPki.Keys.P256);
        unseen = pki.devices("unseen", DISTINCT_DEVICES);
        returning = pki.device("returning").presentedChain();
        TrustMaterial trust = TrustMaterial.of(List.of(pki.root()), List.of());
        clock = Clock.systemUTC();
        PolicyConfig defaults = PolicyConfig.defaults();
        clockSkew = defaults.clockSkew();
        ClientCertificatePolicy policy = ClientCertificatePolicy.fromConfig(defaults, trust, clock);
        cachingAuthenticator = new ClientAuthenticator(policy, defaults, Ticker.systemTicker(), clock);
        uncachedAuthenticator = new ClientAuthenticator(policy, withoutChainCache(defaults), Ticker.systemTicker(), clock);
        chainCheck = new ChainValidationCheck(trust);

        // the figures mean nothing if the chains are refused (a refusal is cheaper than a success)
        for (int i = 0; i < unseen.size(); i++) {
            Authentication first = uncachedAuthenticator.authenticate(unseen.decode(i));
            if (!first.allowed()) {
                throw new IllegalStateException("device " + i + " refused: " + first.decision());
            }
        }
        if (!cachingAuthenticator.authenticate(returning).allowed()) {
            throw new IllegalStateException("the returning device is refused");
        }
        if (!cachingAuthenticator.authenticate(returning).fromCache()) {
            throw new IllegalStateException("the returning device is not served from the chain cache");
        }
        if (uncachedAuthenticator.authenticate(unseen.decode(0)).fromCache()) {
            throw new IllegalStateException("policy.chainCacheSize 0 still caches");
        }
    }

    private static PolicyConfig withoutChainCache(PolicyConfig p) {
        return new PolicyConfig(p.chainValidation(), p.requireClientAuthEku(), p.clockSkew(), p.allowedThumbprints(),
                p.trustedRootThumbprint(), 0, p.chainCacheTtl(), p.allowExpired(), p.minRsaBits(), p.minEcBits(),
                p.forbiddenSignatureAlgorithms(), p.maxChainDepth());
    }

    private List<X509Certificate> nextUnseen() {
        next = (next + 1) % unseen.size();
        return unseen.decode(next);
    }

    /** A first-time device through the authenticator: everything the trust manager runs on a cache miss. */
    @Benchmark
    public Authentication coldAuthentication() {
        return uncachedAuthenticator.authenticate(nextUnseen());
    }

    /** A first-time device's chain validation alone: path search and PKIX (decoding and identity included). */
    @Benchmark
    public CheckResult coldChainCheck() throws Exception {
        return chainCheck.check(ClientIdentity.of(nextUnseen()), new CheckContext(Instant.now(clock), clockSkew));
    }

    /** The DER decoding the two cold benchmarks include (subtract it to see validation alone). */
    @Benchmark
    public List<X509Certificate> decodeOnly() {
        return nextUnseen();
    }

    /** A returning device: chain hash and a hit in the authenticator's cache of successes. */
    @Benchmark
    public Authentication cachedAuthentication() {
        return cachingAuthenticator.authenticate(returning);
    }
}
