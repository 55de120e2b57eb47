package io.mtlsproxy.perf.jmh;

import io.mtlsproxy.core.identity.ChainKey;
import io.mtlsproxy.core.identity.ClientIdentity;
import java.security.cert.X509Certificate;
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
 * Building the identity pinned to a connection from the presented chain (leaf + issuing CA):
 * {@code identityFromChain} is {@link ClientIdentity#of(List)}, i.e. the chain key (SHA-256 over
 * the chain), the leaf's SHA-256 and SHA-1 thumbprints, the SPKI pin, subject and issuer DNs, serial
 * and SANs. The authenticator builds it once per never-seen chain (ClientIdentityHandler then
 * takes it from the authenticator's cache after the handshake); {@code chainKeyOnly} is the hash
 * that every handshake pays, returning device or not. Run:
 * {@code java -jar perf/target/benchmarks.jar IdentityBenchmark} (add {@code -prof gc} for bytes).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IdentityBenchmark {
    private List<X509Certificate> presented;

    @Setup
    public void setUp() {
        presented = BenchPki.create(2, BenchPki.Keys.P256).device("kiosk-17").presentedChain();
    }

    /** The whole identity: hashes, DNs, serial, SANs, validity. */
    @Benchmark
    public ClientIdentity identityFromChain() throws Exception {
        return ClientIdentity.of(presented);
    }

    /** SHA-256 over the presented chain: the key of the chain cache. */
    @Benchmark
    public ChainKey chainKeyOnly() {
        return ChainKey.of(presented);
    }
}
