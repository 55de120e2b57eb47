package io.mtlsproxy.core.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Server key material and the client trust anchors.
 *
 * @param certificate PEM chain of the server certificate (leaf first)
 * @param privateKey PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC; optionally encrypted)
 * @param privateKeyPassword password of an encrypted PEM key
 * @param keystore PKCS#12 file with key and chain, instead of certificate + privateKey
 * @param keystorePassword password of the PKCS#12 file
 * @param keystoreAlias entry to use; the first key entry when absent
 * @param trustAnchors PEM bundles of the CAs that issue client certificates (several allowed)
 * @param intermediates PEM bundles of intermediate CAs, for clients that send only their leaf
 * @param protocols TLSv1.3 and TLSv1.2 (the only ones allowed)
 * @param sessionTickets stateless resumption on (the default)
 * @param sessionCacheSize server-side session cache entries
 * @param sessionTimeout seconds a session may be resumed
 */
public record TlsConfig(
        Path certificate,
        Path privateKey,
        Secret privateKeyPassword,
        Path keystore,
        Secret keystorePassword,
        String keystoreAlias,
        List<Path> trustAnchors,
        List<Path> intermediates,
        List<String> protocols,
        Boolean sessionTickets,
        Integer sessionCacheSize,
        Integer sessionTimeout) {

    public static final List<String> SUPPORTED_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    public TlsConfig {
        trustAnchors = trustAnchors == null ? List.of() : List.copyOf(trustAnchors);
        intermediates = intermediates == null ? List.of() : List.copyOf(intermediates);
        protocols = protocols == null ? SUPPORTED_PROTOCOLS : List.copyOf(protocols);
        sessionTickets = Objects.requireNonNullElse(sessionTickets, true);
        sessionCacheSize = Objects.requireNonNullElse(sessionCacheSize, 20_000);
        sessionTimeout = Objects.requireNonNullElse(sessionTimeout, 3600);
    }

    public static TlsConfig empty() {
        return new TlsConfig(null, null, null, null, null, null, null, null, null, null, null, null);
    }
}
