package io.mtlsproxy.perf.jmh;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.ListenerConfig.TlsProvider;
import io.mtlsproxy.core.config.PolicyConfig;
import io.mtlsproxy.core.config.PolicyMode;
import io.mtlsproxy.core.config.TlsConfig;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.policy.ClientAuthenticator;
import io.mtlsproxy.policy.ClientCertificatePolicy;
import io.mtlsproxy.policy.TrustMaterial;
import io.mtlsproxy.server.tls.ServerTls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.ReferenceCountUtil;
import java.lang.reflect.Method;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One TLS 1.3 mutual-TLS handshake between two in-memory {@link SSLEngine}s (client and server in
 * the same thread, see {@link InMemoryHandshake}): the CPU a device connection costs before its
 * first request, without sockets or event loops. The figure is client + server together, so it is
 * an upper bound of the gateway's share; client authentication is REQUIRED, the server trusts the
 * device root, the client verifies the gateway's certificate and host name. Each exchange ends with
 * one small record from the server, because BoringSSL sends its session tickets only with the
 * server's first application write (the ticket's cost is part of every real connection).
 *
 * <p>Parameters:
 * <ul>
 *   <li>{@code provider}: {@code OPENSSL} (BoringSSL through netty-tcnative, the gateway's default)
 *       or {@code JDK} (the JDK's TLS stack, {@code listener.tlsProvider: jdk}); both ends use it;
 *   <li>{@code keys}: P-256 or RSA-2048 for every key (root, CA, gateway, device);
 *   <li>{@code trust}: {@code GATEWAY_POLICY} is the gateway's own server context from
 *       {@link ServerTls#build} (its suites, session cache and tickets, ALPN, and the
 *       PolicyTrustManager running the default policy through the ClientAuthenticator; the device
 *       returns, so its chain is a cache hit: a first-time device adds
 *       {@code ChainValidationBenchmark.coldAuthentication}); {@code PKIX} is the same settings with
 *       the JDK's PKIX trust manager instead, which validates the chain on every full handshake.
 * </ul>
 *
 * <p>{@code fullHandshake} never resumes (each handshake names a new peer port to a client whose
 * session cache holds one entry). {@code resumedHandshake} resumes a session from the server's
 * previous ticket (TLS 1.3 PSK with (EC)DHE: no certificates sent, none checked); {@link #setUp}
 * proves it does, by the engines' own flag where BoringSSL has one and, for both providers, by the
 * server sending fewer bytes than its certificate alone. Engines are released after each handshake.
 *
 * <p>Run: {@code java -jar perf/target/benchmarks.jar HandshakeBenchmark}, or one combination:
 * {@code java -jar perf/target/benchmarks.jar HandshakeBenchmark -p provider=OPENSSL -p keys=P256 -p trust=GATEWAY_POLICY}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// the JDK provider's TLS stack is Java code at milliseconds per handshake: 3 s leave it half compiled
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HandshakeBenchmark {
    private static final String HOST = "gateway.mtls-proxy.test";
    private static final int PORT = 8443;
    private static final List<String> TLS_1_3 = List.of("TLSv1.3");

    /** What the server trusts the device chain with. */
    public enum ServerTrust { GATEWAY_POLICY, PKIX }

    @Param({"OPENSSL", "JDK"})
    public SslProvider provider;

    @Param({"P256", "RSA2048"})
    public BenchPki.Keys keys;

    @Param({"GATEWAY_POLICY", "PKIX"})
    public ServerTrust trust;

    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private SslContext serverContext;
    private SslContext resumingClientContext;
    private SslContext freshClientContext;
    private InMemoryHandshake handshake;
    /** Each full handshake names a new port, so no client session can match. */
    private int freshPort = 10_000;

    @Setup
    public void setUp() throws Exception {
        if (provider == SslProvider.OPENSSL && !OpenSsl.isAvailable()) {
            throw new IllegalStateException("BoringSSL is not available here: " + OpenSsl.unavailabilityCause());
        }
        BenchPki pki = BenchPki.create(2, keys);
        IssuedCertificate device = pki.device("kiosk-1");
        IssuedCertificate gateway = pki.server(HOST);
        serverContext = serverContext(pki, gateway);
        resumingClientContext = clientContext(pki, device, 0);
        // one entry: the client cache stays small however many fresh handshakes run
        freshClientContext = clientContext(pki, device, 1);
        handshake = new InMemoryHandshake(alloc);
        proveResumption(gateway.certificate().getEncoded().length);
    }

    private SslContext serverContext(BenchPki pki, IssuedCertificate gateway) throws Exception {
        TlsConfig tls = new TlsConfig(null, null, null, null, null, null, null, null, TLS_1_3, null, null, null);
        if (trust == ServerTrust.GATEWAY_POLICY) {
            TrustMaterial trustMaterial = TrustMaterial.of(List.of(pki.root()), List.of());
            PolicyConfig policy = PolicyConfig.defaults();
            ClientAuthenticator authenticator = new ClientAuthenticator(
                    ClientCertificatePolicy.fromConfig(policy, trustMaterial, Clock.systemUTC()), policy,
                    Ticker.systemTicker(), Clock.systemUTC());
            return ServerTls.build(tls, provider == SslProvider.OPENSSL ? TlsProvider.OPENSSL : TlsProvider.JDK,
                    PolicyMode.ENFORCE, false, gateway.keyMaterial(), authenticator, trustMaterial.acceptedIssuers());
        }
        // ServerTls.build's settings, with the JDK's PKIX trust manager in place of the policy
        SslContextBuilder server = SslContextBuilder.forServer(gateway.keyPair().getPrivate(), gateway.presentedChain());
        if (provider == SslProvider.OPENSSL) {
            server.option(OpenSslContextOption.USE_TASKS, false); // as ServerTls.build
        }
        return server
                .sslProvider(contextProvider())
                .clientAuth(ClientAuth.REQUIRE)
                .trustManager(pki.root())
                .protocols(TLS_1_3)
                .ciphers(ServerTls.CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE)
                .sessionCacheSize(tls.sessionCacheSize())
                .sessionTimeout(tls.sessionTimeout())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_1_1))
                .build();
    }

    /** BoringSSL as the gateway builds it: reference-counted, released with the engines and contexts here. */
    private SslProvider contextProvider() {
        return provider == SslProvider.OPENSSL ? SslProvider.OPENSSL_REFCNT : provider;
    }

    /** @param sessionCacheSize 0 for the provider's default */
    private SslContext clientContext(BenchPki pki, IssuedCertificate device, int sessionCacheSize) throws SSLException {
        return SslContextBuilder.forClient()
                .sslProvider(contextProvider())
                .keyManager(device.keyPair().getPrivate(), device.presentedChain())
                .trustManager(pki.root())
                .protocols(TLS_1_3)
                .ciphers(ServerTls.CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE)
                .sessionCacheSize(sessionCacheSize)
                .build();
    }

    /**
     * A full handshake, then resumed ones that must really resume: otherwise
     * {@code resumedHandshake} would silently measure full handshakes.
     */
    private void proveResumption(int serverCertificateBytes) throws Exception {
        InMemoryHandshake.Transcript full = fullHandshake();
        // the first resumption uses the ticket of the full handshake, the later ones each other's
        for (int attempt = 1; attempt <= 3; attempt++) {
            SSLEngine client = resumingClientContext.newEngine(alloc, HOST, PORT);
            SSLEngine server = serverContext.newEngine(alloc);
            try {
                InMemoryHandshake.Transcript transcript = handshake.run(client, server);
                if (attempt == 1) {
                    continue; // primes the resuming client's cache (its first session is a full one)
                }
                if (transcript.serverBytes() + serverCertificateBytes > full.serverBytes()) {
                    throw new IllegalStateException("handshake " + attempt + " did not resume: the server sent "
                            + transcript.serverBytes() + " bytes, a full handshake " + full.serverBytes()
                            + ", its certificate alone is " + serverCertificateBytes);
                }
                if (provider == SslProvider.OPENSSL && !(sessionReused(client) && sessionReused(server))) {
                    throw new IllegalStateException("BoringSSL says handshake " + attempt + " did not resume");
                }
            } finally {
                ReferenceCountUtil.release(client);
                ReferenceCountUtil.release(server);
            }
        }
        // and a fresh handshake must not resume: its server sends about as much as the first full one
        InMemoryHandshake.Transcript again = fullHandshake();
        if (again.serverBytes() + serverCertificateBytes <= full.serverBytes() + 64) {
            throw new IllegalStateException("a fresh handshake looks resumed: " + again + " vs " + full);
        }
    }

    /** BoringSSL's own answer (SSL_session_reused); the accessor is package-private in Netty. */
    private static boolean sessionReused(SSLEngine engine) throws Exception {
        Method reused = ReferenceCountedOpenSslEngine.class.getDeclaredMethod("isSessionReused");
        reused.setAccessible(true);
        return (Boolean) reused.invoke(engine);
    }

    /** A handshake from scratch: key exchange, both certificates sent, signed and verified. */
    @Benchmark
    public InMemoryHandshake.Transcript fullHandshake() throws SSLException {
        freshPort = freshPort == 65_535 ? 10_000 : freshPort + 1;
        return handshakeWithServer(freshClientContext.newEngine(alloc, HOST, freshPort));
    }

    /** A returning device resuming its session from a ticket: key exchange only, no certificates. */
    @Benchmark
    public InMemoryHandshake.Transcript resumedHandshake() throws SSLException {
        return handshakeWithServer(resumingClientContext.newEngine(alloc, HOST, PORT));
    }

    /** One handshake of {@code client} with a new server engine; both engines released after. */
    private InMemoryHandshake.Transcript handshakeWithServer(SSLEngine client) throws SSLException {
        SSLEngine server = serverContext.newEngine(alloc);
        try {
            return handshake.run(client, server);
        } finally {
            ReferenceCountUtil.release(client);
            ReferenceCountUtil.release(server);
        }
    }

    @TearDown
    public void tearDown() {
        handshake.close();
        ReferenceCountUtil.release(serverContext);
        ReferenceCountUtil.release(resumingClientContext);
        ReferenceCountUtil.release(freshClientContext);
    }
}
