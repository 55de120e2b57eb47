package io.mtlsproxy.perf;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.PolicyConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.policy.Authentication;
import io.mtlsproxy.policy.ClientAuthenticator;
import io.mtlsproxy.policy.ClientCertificatePolicy;
import io.mtlsproxy.policy.Decision;
import io.mtlsproxy.policy.TrustMaterial;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.io.ByteArrayInputStream;
import java.time.Clock;
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
 * The policy's cost per connection: a returning device (decision-cache hit: one chain hash and a
 * lookup), a first-time device (identity extraction plus the full evaluation, PKIX included), and
 * identity extraction alone. Run: {@code java -jar perf/target/benchmarks.jar PolicyBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PolicyBenchmark {
    private static final int DISTINCT_DEVICES = 2048;

    private ClientAuthenticator authenticator;
    private ClientCertificatePolicy policy;
    private List<X509Certificate> presented;
    private CertificateFactory factory;
    private byte[][] deviceDers;
    private byte[] issuingDer;
    private int next;

    @Setup
    public void setUp() throws Exception {
        IssuedCertificate root = CertificateBuilder.ca("CN=Bench Root,O=mtls-proxy").selfSigned();
        IssuedCertificate issuing = CertificateBuilder.ca("CN=Bench Devices,O=mtls-proxy").signedBy(root);
        IssuedCertificate device = CertificateBuilder.client("CN=device-1,O=mtls-proxy").signedBy(issuing);
        // as the TLS stack hands them over: freshly decoded from DER
        factory = CertificateFactory.getInstance("X.509");
        // more distinct devices than the JDK's CertificateFactory caches (750), so each evaluation
        // parses and verifies for real, as for a device seen for the first time
        deviceDers = new byte[DISTINCT_DEVICES][];
        deviceDers[0] = device.certificate().getEncoded();
        for (int i = 1; i < DISTINCT_DEVICES; i++) {
            deviceDers[i] = CertificateBuilder.client("CN=device-" + i + ",O=mtls-proxy").signedBy(issuing)
                    .certificate().getEncoded();
        }
        issuingDer = issuing.certificate().getEncoded();
        presented = decode(0);
        TrustMaterial trust = TrustMaterial.of(List.of(root.certificate()), List.of());
        PolicyConfig config = PolicyConfig.defaults();
        policy = ClientCertificatePolicy.fromConfig(config, trust, Clock.systemUTC());
        authenticator = new ClientAuthenticator(policy, config, Ticker.systemTicker(), Clock.systemUTC());
        if (!authenticator.authenticate(presented).allowed()) {
            throw new IllegalStateException("benchmark chain is refused by the policy");
        }
    }

    /** A returning device: the decision-cache hit every reconnect pays. */
    @Benchmark
    public Authentication decisionCacheHit() {
        return authenticator.authenticate(presented);
    }

    /**
     * A device seen for the first time: decoding its certificate, identity extraction and the full
     * evaluation, PKIX included (the intermediate stays cached, as it would in production).
     */
    @Benchmark
    public Decision fullEvaluation() throws Exception {
        next = (next + 1) % DISTINCT_DEVICES;
        return policy.evaluate(ClientIdentity.of(decode(next)));
    }

    private List<X509Certificate> decode(int device) throws Exception {
        return List.of(
                (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(deviceDers[device])),
                (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(issuingDer)));
    }

    /** Building the pinned identity from a chain: thumbprints, SPKI hash, DNs, SANs. */
    @Benchmark
    public ClientIdentity identityExtraction() throws Exception {
        return ClientIdentity.of(presented);
    }
}
