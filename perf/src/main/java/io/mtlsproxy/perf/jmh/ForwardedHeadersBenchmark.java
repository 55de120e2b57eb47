package io.mtlsproxy.perf.jmh;

import io.mtlsproxy.core.config.IdentityHeadersConfig;
import io.mtlsproxy.core.config.SigningConfig;
import io.mtlsproxy.core.config.XfccMode;
import io.mtlsproxy.core.forwarded.ForwardedCertificateFormat;
import io.mtlsproxy.core.forwarded.ForwardedCertificates;
import io.mtlsproxy.core.forwarded.IdentityHeaders;
import io.mtlsproxy.core.identity.ClientIdentity;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
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
 * The identity headers on both sides of a proxy, for a device chain of leaf + issuing CA:
 *
 * <ul>
 *   <li>{@code prepareHeaders}: {@link IdentityHeaders#prepare}, once per connection on a proxy route
 *       (XFCC {@code set} with every field, Cert and Chain included, RFC 9440 client-cert and chain, the
 *       simple headers); {@code signedHeadersPerRequest}: what each request then adds (joining and
 *       signing, HMAC-SHA256 bound to method and path);
 *   <li>{@code parseXfcc} / {@code parseClientCert}: {@link ForwardedCertificates#parse} of exactly those
 *       headers, what the behind-ingress listener does for a request whose headers it has not seen on
 *       the connection. The DER is the same each call, so certificate decoding is served by the JDK's
 *       CertificateFactory cache: this is the text work (XFCC / structured-field parsing, percent and
 *       base64 decoding, bounds), as for a returning device.
 * </ul>
 *
 * Run: {@code java -jar perf/target/benchmarks.jar ForwardedHeadersBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ForwardedHeadersBenchmark {
    private ClientIdentity identity;
    private IdentityHeaders headers;
    private IdentityHeaders.Prepared prepared;
    private String xfcc;
    private String clientCert;
    private String clientCertChain;

    @Setup
    public void setUp() throws Exception {
        List<X509Certificate> chain = BenchPki.create(2, BenchPki.Keys.P256).device("kiosk-17").presentedChain();
        identity = ClientIdentity.of(chain);
        byte[] signingKey = new byte[32];
        new SecureRandom().nextBytes(signingKey);
        IdentityHeadersConfig config = new IdentityHeadersConfig(XfccMode.SET, IdentityHeadersConfig.XFCC_FIELDS, true, true,
                true, new SigningConfig("unused-by-the-benchmark", null));
        headers = IdentityHeaders.of(config, signingKey, "spiffe://mtls-proxy.test/gateway");
        prepared = headers.prepare(identity, null);
        for (IdentityHeaders.Header header : prepared.headersFor(null, "GET", "/api/v1/things", Instant.now())) {
            switch (header.name()) {
                case IdentityHeaders.XFCC -> xfcc = header.value();
                case IdentityHeaders.CLIENT_CERT -> clientCert = header.value();
                case IdentityHeaders.CLIENT_CERT_CHAIN -> clientCertChain = header.value();
                default -> { }
            }
        }
        if (xfcc == null || clientCert == null || clientCertChain == null) {
            throw new IllegalStateException("the identity headers lack XFCC or RFC 9440 headers");
        }
        // the parsers must give back the chain that was encoded, or the figures are about an error path
        if (!parseXfcc().equals(chain) || !parseClientCert().equals(chain)) {
            throw new IllegalStateException("the forwarded headers do not parse back to the device's chain");
        }
    }

    @Benchmark
    public IdentityHeaders.Prepared prepareHeaders() {
        return headers.prepare(identity, null);
    }

    @Benchmark
    public List<IdentityHeaders.Header> signedHeadersPerRequest() {
        return prepared.headersFor(null, "GET", "/api/v1/things", Instant.now());
    }

    @Benchmark
    public List<X509Certificate> parseXfcc() throws Exception {
        return ForwardedCertificates.parse(ForwardedCertificateFormat.XFCC, xfcc, null);
    }

    @Benchmark
    public List<X509Certificate> parseClientCert() throws Exception {
        return ForwardedCertificates.parse(ForwardedCertificateFormat.CLIENT_CERT, clientCert, clientCertChain);
    }
}
