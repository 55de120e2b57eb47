package io.mtlsproxy.perf.load;

import io.mtlsproxy.core.pki.KeyMaterial;
import io.mtlsproxy.core.pki.PemFiles;
import io.mtlsproxy.core.pki.PkiException;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;

/** The harness's client TLS: BoringSSL, TLS 1.3 only, the device certificate, the server checked against --ca. */
final class ClientTls {
    private ClientTls() {}

    /**
     * One context for the whole run (contexts are expensive; handlers are per connection).
     *
     * @param resumeSessions keep TLS 1.3 tickets in the context's client session cache and offer
     *     them on the next connection to the same host and port; without it every handshake is full
     */
    static SslContext build(LoadOptions options, boolean resumeSessions) throws PkiException, SSLException,
            GeneralSecurityException {
        if (!OpenSsl.isAvailable()) {
            throw new SSLException("BoringSSL (netty-tcnative) is not available here", OpenSsl.unavailabilityCause());
        }
        KeyMaterial device = PemFiles.readKeyMaterial(options.cert(), options.key(), null);
        List<X509Certificate> anchors = PemFiles.readCertificates(options.ca());
        SslContextBuilder builder = SslContextBuilder.forClient();
        if (!options.groups().isEmpty()) {
            // what is offered decides the server's work: BoringSSL peers agree on the post-quantum hybrid, OpenSSL 3.0 cannot
            builder.option(OpenSslContextOption.GROUPS, options.groups().toArray(String[]::new));
        }
        SslContext context = builder
                .sslProvider(SslProvider.OPENSSL)
                .protocols("TLSv1.3")
                .keyManager(cachedKeyMaterial(device))
                .trustManager(ValidatedChainTrust.anchoredAt(anchors))
                // the harness speaks HTTP/1.1 only; saying so keeps an h2-capable server from choosing h2
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_1_1))
                .build();
        if (!resumeSessions) {
            // a full handshake every time: a client offers only what its cache kept. (SSL_OP_NO_TICKET on this
            // client SSL_CTX through tcnative's SSLContext.setOptions crashed the JVM in native code: not used.)
            ((OpenSslSessionContext) context.sessionContext()).setSessionCacheEnabled(false);
        }
        return context;
    }

    /**
     * The device key in a key manager whose OpenSSL form (key and chain as BoringSSL objects) is
     * built once and reused, not encoded and parsed again for every handshake.
     */
    private static KeyManagerFactory cachedKeyMaterial(KeyMaterial device) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("an empty key store cannot be created", e);
        }
        char[] password = "load".toCharArray(); // in memory only: a key store entry needs one
        store.setKeyEntry("device", device.privateKey(), password, device.chain().toArray(X509Certificate[]::new));
        KeyManagerFactory jdk = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        jdk.init(store, password);
        return new OpenSslCachingX509KeyManagerFactory(jdk);
    }
}
