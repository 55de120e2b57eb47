package io.mtlsproxy.server.tls;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.ListenerConfig.TlsProvider;
import io.mtlsproxy.core.config.PolicyMode;
import io.mtlsproxy.core.config.TlsConfig;
import io.mtlsproxy.core.pki.KeyMaterial;
import io.mtlsproxy.core.pki.PemFiles;
import io.mtlsproxy.core.pki.PkiException;
import io.mtlsproxy.policy.ClientAuthenticator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLContext;
import io.netty.util.ReferenceCountUtil;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the device listener's one {@link SslContext}: BoringSSL, client certificates required
 * and checked by policy in the handshake, TLS 1.3 and 1.2 with AEAD suites only, tickets on.
 * ALPN offers {@code h2} (when HTTP/2 is on) before {@code http/1.1}; a client that offers neither
 * gets no ALPN answer and speaks HTTP/1.1, as before ALPN.
 *
 * <p>BoringSSL contexts are reference-counted ({@link SslProvider#OPENSSL_REFCNT}): no finalizer
 * per connection, and a closed connection's native SSL object is freed when its SslHandler is
 * removed instead of when the GC gets to it. The price is explicit ownership: whoever takes a
 * context from here releases it once when done ({@link ReferenceCountUtil#release(Object)}, a
 * no-op for the JDK's); each engine holds the context until the engine itself is released.
 */
public final class ServerTls {
    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

    /**
     * TLS 1.3 suites (BoringSSL always enables all three) and the TLS 1.2 ECDHE + AEAD suites: the
     * gateway's suites in both directions, towards devices and towards upstreams.
     */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private ServerTls() {}

    /** What ALPN offers, in the server's order of preference: both providers pick the first the client also offers. */
    static List<String> applicationProtocols(boolean http2) {
        return http2 ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                : List.of(ApplicationProtocolNames.HTTP_1_1);
    }

    /** The server's key and chain, from PEM or PKCS#12 as configured. */
    public static KeyMaterial loadKeyMaterial(TlsConfig tls) throws ConfigException {
        try {
            if (tls.keystore() != null) {
                return PemFiles.readPkcs12(tls.keystore(),
                        tls.keystorePassword() == null ? new char[0] : tls.keystorePassword().toChars(),
                        tls.keystoreAlias());
            }
            return PemFiles.readKeyMaterial(tls.certificate(), tls.privateKey(),
                    tls.privateKeyPassword() == null ? null : tls.privateKeyPassword().toChars());
        } catch (PkiException e) {
            throw new ConfigException((tls.keystore() != null ? "tls.keystore: " : "tls.certificate/privateKey: ")
                    + e.getMessage(), e);
        }
    }

    /**
     * @param http2 whether ALPN offers h2 ({@code listener.http2})
     * @return a context the caller owns and releases
     * @throws ConfigException when BoringSSL is asked for but cannot load; the JDK provider is
     *     used only when the config says so, never as a silent fallback
     */
    public static SslContext build(TlsConfig tls, TlsProvider provider, PolicyMode mode, boolean http2, KeyMaterial key,
            ClientAuthenticator authenticator, List<X509Certificate> acceptedIssuers) throws ConfigException {
        boolean audit = mode == PolicyMode.AUDIT;
        if (audit) {
            log.warn("listener.mode is audit: client certificates are optional and policy violations are only logged");
        }
        SslProvider sslProvider = switch (provider) {
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    throw new ConfigException("listener.tlsProvider: BoringSSL (netty-tcnative) cannot be loaded on this machine ("
                            + OpenSsl.unavailabilityCause() + "); refusing to start. Set listener.tlsProvider: jdk to run on the "
                            + "JDK's TLS stack, about 3x slower per handshake.");
                }
                yield SslProvider.OPENSSL_REFCNT;
            }
            case JDK -> {
                // BoringSSL refuses renegotiation by itself; the JDK must be told
                System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
                log.warn("listener.tlsProvider is jdk: TLS runs on the JDK's stack instead of BoringSSL");
                yield SslProvider.JDK;
            }
        };
        boolean openSsl = sslProvider == SslProvider.OPENSSL_REFCNT;
        SslContext context;
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(key.privateKey(), key.chain());
            if (openSsl) {
                // the trust manager answers from its cache of validated chains, on the event loop either
                // way: run it inside BoringSSL's callback rather than as a task that resumes the
                // handshake with a second unwrap (about 4% of a full handshake's CPU, perf/compare.sh)
                builder.option(OpenSslContextOption.USE_TASKS, false);
            }
            context = builder
                    .sslProvider(sslProvider)
                    .clientAuth(audit ? ClientAuth.OPTIONAL : ClientAuth.REQUIRE)
                    .trustManager(new PolicyTrustManager(authenticator, acceptedIssuers, openSsl, audit))
                    .protocols(tls.protocols())
                    .ciphers(CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE)
                    .sessionCacheSize(tls.sessionCacheSize())
                    .sessionTimeout(tls.sessionTimeout())
                    .applicationProtocolConfig(alpn(applicationProtocols(http2)))
                    .build();
        } catch (SSLException | RuntimeException e) {
            throw new ConfigException("tls: the TLS context cannot be built: " + e.getMessage(), e);
        }
        try {
            if (!tls.sessionTickets() && context instanceof ReferenceCountedOpenSslContext refCounted) {
                // stateful resumption only: the session cache stays on
                SSLContext.setOptions(refCounted.sslCtxPointer(), SSL.SSL_OP_NO_TICKET);
            }
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(context); // never handed out: nobody else would free it
            throw new ConfigException("tls: the TLS context cannot be built: " + e.getMessage(), e);
        }
        // "OPENSSL", not the enum's OPENSSL_REFCNT: the provider as operators configure it (listener.tlsProvider)
        log.info("TLS: {} ({}), protocols {}, ALPN {}, client certificates {}, {} trust anchors",
                openSsl ? "OPENSSL" : "JDK", openSsl ? OpenSsl.versionString() : System.getProperty("java.version"),
                tls.protocols(), applicationProtocols(http2), audit ? "optional (audit mode)" : "required",
                acceptedIssuers.size());
        return context;
    }

    /**
     * The behind-ingress listener's TLS: the gateway's certificate, no client certificate asked
     * (the ingress authenticated the device and forwards its certificate in a header).
     *
     * @return a context the caller owns and releases
     */
    public static SslContext buildServerOnly(TlsConfig tls, TlsProvider provider, KeyMaterial key) throws ConfigException {
        SslProvider sslProvider = provider == TlsProvider.OPENSSL && OpenSsl.isAvailable() ? SslProvider.OPENSSL_REFCNT
                : SslProvider.JDK;
        try {
            return SslContextBuilder.forServer(key.privateKey(), key.chain())
                    .sslProvider(sslProvider)
                    .clientAuth(ClientAuth.NONE)
                    .protocols(tls.protocols())
                    .ciphers(CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE)
                    .sessionCacheSize(tls.sessionCacheSize())
                    .sessionTimeout(tls.sessionTimeout())
                    .applicationProtocolConfig(alpn(List.of(ApplicationProtocolNames.HTTP_1_1)))
                    .build();
        } catch (SSLException | RuntimeException e) {
            throw new ConfigException("ingress.tls: the TLS context cannot be built: " + e.getMessage(), e);
        }
    }

    private static ApplicationProtocolConfig alpn(List<String> protocols) {
        return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                // no common protocol: answer without ALPN (HTTP/1.1), rather than refuse the handshake
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols);
    }
}
