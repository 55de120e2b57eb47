package io.mtlsproxy.server.proxy;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.ListenerConfig.TlsProvider;
import io.mtlsproxy.core.config.UpstreamTlsConfig;
import io.mtlsproxy.core.pki.KeyMaterial;
import io.mtlsproxy.core.pki.PemFiles;
import io.mtlsproxy.core.pki.PkiException;
import io.mtlsproxy.server.tls.ServerTls;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client {@link SslContext} towards one upstream, built once per configuration generation:
 * the listener's TLS provider (BoringSSL unless {@code listener.tlsProvider: jdk}, never a silent
 * fallback), TLS 1.3 and 1.2 with AEAD suites, the upstream's chain checked against
 * {@code trustedCa} or the JDK's default trust, its host name checked unless loudly turned off,
 * and the gateway's client certificate when one is configured. A BoringSSL context is
 * reference-counted: the route's {@link UpstreamConnections} owns it and releases it on close.
 */
final class UpstreamTls {
    private static final Logger log = LoggerFactory.getLogger(UpstreamTls.class);
    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private UpstreamTls() {}

    /**
     * @param at the setting, e.g. {@code proxy.routes[0].upstream.tls}, for error messages
     * @param offerH2 offer h2 then http/1.1 by ALPN; without it no ALPN is sent and the upstream speaks HTTP/1.1
     * @return a context the caller owns and releases
     */
    static SslContext build(String at, UpstreamTlsConfig tls, TlsProvider provider, boolean offerH2) throws ConfigException {
        SslProvider sslProvider;
        if (provider == TlsProvider.OPENSSL) {
            if (!OpenSsl.isAvailable()) {
                throw new ConfigException(at + ": BoringSSL (netty-tcnative) cannot be loaded on this machine ("
                        + OpenSsl.unavailabilityCause() + "); set listener.tlsProvider: jdk to use the JDK's TLS stack");
            }
            // reference-counted: engines are freed by their SslHandler, not by a finalizer per connection
            sslProvider = SslProvider.OPENSSL_REFCNT;
        } else {
            sslProvider = SslProvider.JDK;
        }
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(sslProvider)
                .protocols(PROTOCOLS)
                .ciphers(ServerTls.CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE)
                // the JDK's PKIX checks the chain either way; "HTTPS" adds the host-name check
                .endpointIdentificationAlgorithm(tls.insecureSkipHostnameVerification() ? null : "HTTPS");
        if (offerH2) {
            // a server without ALPN, or one that picks http/1.1, is spoken to in HTTP/1.1 (ACCEPT): never a failed handshake
            builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
        }
        try {
            if (tls.trustedCa() != null) {
                List<X509Certificate> cas = PemFiles.readCertificates(tls.trustedCa());
                builder.trustManager(cas.toArray(X509Certificate[]::new));
            }
            if (tls.certificate() != null) {
                KeyMaterial key = PemFiles.readKeyMaterial(tls.certificate(), tls.privateKey(),
                        tls.privateKeyPassword() == null ? null : tls.privateKeyPassword().toChars());
                builder.keyManager(key.privateKey(), key.chain());
            }
        } catch (PkiException e) {
            throw new ConfigException(at + ": " + e.getMessage(), e);
        }
        if (tls.insecureSkipHostnameVerification()) {
            log.warn("{}.insecureSkipHostnameVerification is true: the upstream's certificate need not name the server", at);
        }
        try {
            return builder.build();
        } catch (SSLException | RuntimeException e) {
            throw new ConfigException(at + ": the TLS context cannot be built: " + e.getMessage(), e);
        }
    }
}
