package io.mtlsproxy.perf.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.PolicyConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.Authentication;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.ClientAuthenticator;
import io.mtlsproxy.policy.ClientCertificatePolicy;
import io.mtlsproxy.policy.Decision;
import io.mtlsproxy.policy.TrustMaterial;
import io.mtlsproxy.policy.rules.CompiledPolicy;
import io.mtlsproxy.policy.rules.PolicyCompiler;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The policy's cost per connection, for the baseline policy ({@code policy} defaults) and for the
 * baseline plus a named policy of issuer, subject and SAN rules ({@code policies}, compiled by
 * {@link PolicyCompiler}):
 *
 * <ul>
 *   <li>{@code decisionCacheHit}: a returning device, one chain hash and a lookup;
 *   <li>{@code fullEvaluation} / {@code compiledPolicyFullEvaluation}: a device seen for the first
 *       time, its chain decoded from DER ({@value #DISTINCT_DEVICES} distinct leaves, more than the
 *       JDK's CertificateFactory cache), identity extraction and every check, PKIX included (the
 *       shared intermediate stays cached, as in production);
 *   <li>{@code compiledRulesOnly}: the named policy's rules alone on a pinned identity, what the
 *       rules add to a first-time device (and what a route's policy costs per request).
 * </ul>
 *
 * Chain validation at several depths is in {@link ChainValidationBenchmark}, identity extraction in
 * {@link IdentityBenchmark}. Run: {@code java -jar perf/target/benchmarks.jar PolicyBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PolicyBenchmark {
    private static final int DISTINCT_DEVICES = 1024;

    /**
     * A kiosk policy as an operator would write it: the issuing CA, kiosk subjects, and a SAN in the
     * devices' domain (every rule passes for the benchmark devices, so nothing short-circuits).
     */
    private static final String KIOSK_POLICY = """
            allOf:
              - issuer: "CN=Bench CA 1,O=mtls-proxy"
              - anyOf:
                  - subject: "CN=printer-*,OU=Printers,O=mtls-proxy"
                  - subject: "CN=*,OU=Kiosks,O=mtls-proxy"
              - cn: ["kiosk-*", "unseen-*", "returning"]
              - san: ["dns:*.devices.mtls-proxy.test", "uri:urn:device:*"]
            """;

    private ClientAuthenticator authenticator;
    private ClientCertificatePolicy baseline;
    private ClientCertificatePolicy withKioskPolicy;
    private CompiledPolicy kioskPolicy;
    private ClientIdentity pinned;
    private List<X509Certificate> presented;
    private BenchPki.DerChains unseen;
    private Clock clock;
    private int next;

    @Setup
    public void setUp() throws Exception {
        BenchPki pki = BenchPki.create(2, BenchPki.Keys.P256);
        unseen = pki.devices("unseen", DISTINCT_DEVICES);
        presented = pki.device("returning").presentedChain();
        pinned = ClientIdentity.of(presented);
        TrustMaterial trust = TrustMaterial.of(List.of(pki.root()), List.of());
        PolicyConfig config = PolicyConfig.defaults();
        clock = Clock.systemUTC();
        baseline = ClientCertificatePolicy.fromConfig(config, trust, clock);
        kioskPolicy = PolicyCompiler.compile("kiosks", new ObjectMapper(new YAMLFactory()).readTree(KIOSK_POLICY));
        withKioskPolicy = ClientCertificatePolicy.fromConfig(config, kioskPolicy, trust, clock);
        authenticator = new ClientAuthenticator(baseline, config, Ticker.systemTicker(), clock);

        // a refusal stops at the first failing check and would flatter every figure
        if (!authenticator.authenticate(presented).allowed()) {
            throw new IllegalStateException("benchmark chain is refused by the policy");
        }
        if (!authenticator.authenticate(presented).fromCache()) {
            throw new IllegalStateException("a returning device is not served from the chain cache");
        }
        for (int i = 0; i < unseen.size(); i++) {
            Decision decision = withKioskPolicy.evaluate(ClientIdentity.of(unseen.decode(i)));
            if (!decision.allowed()) {
                throw new IllegalStateException("device " + i + " refused by the kiosk policy: " + decision);
            }
        }
        if (!compiledRulesOnly().passed()) {
            throw new IllegalStateException("the kiosk rules refuse the pinned identity");
        }
    }

    private List<X509Certificate> nextUnseen() {
        next = (next + 1) % DISTINCT_DEVICES;
        return unseen.decode(next);
    }

    /** A returning device: the decision-cache hit every reconnect pays. */
    @Benchmark
    public Authentication decisionCacheHit() {
        return authenticator.authenticate(presented);
    }

    /**
     * A device seen for the first time, baseline policy: decoding its certificate, identity
     * extraction and the full evaluation, PKIX included.
     */
    @Benchmark
    public Decision fullEvaluation() throws Exception {
        return baseline.evaluate(ClientIdentity.of(nextUnseen()));
    }

    /** As {@link #fullEvaluation}, with the named kiosk policy's rules after the baseline. */
    @Benchmark
    public Decision compiledPolicyFullEvaluation() throws Exception {
        return withKioskPolicy.evaluate(ClientIdentity.of(nextUnseen()));
    }

    /** The compiled issuer / subject / CN / SAN rules alone, on an identity already pinned. */
    @Benchmark
    public CheckResult compiledRulesOnly() {
        return kioskPolicy.syncChecks().check(pinned, new CheckContext(Instant.now(clock), Duration.ZERO));
    }
}
