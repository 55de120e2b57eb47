package io.mtlsproxy.core.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * TLS towards {@code https} targets: BoringSSL, TLS 1.3 and 1.2, the upstream's certificate
 * checked (chain and host name) unless said otherwise, loudly.
 *
 * @param trustedCa PEM bundle of the CAs that issue the upstream's certificate; none means the JDK's default trust
 * @param certificate PEM chain of the gateway's client certificate towards the upstream (leaf first); none sends none
 * @param privateKey its PEM private key; required with {@code certificate}
 * @param privateKeyPassword password of an encrypted {@code privateKey}
 * @param serverName the name sent in SNI and checked against the upstream's certificate; default the target's host
 * @param insecureSkipHostnameVerification accept an upstream certificate that does not name the
 *     server (its chain is still checked); default false
 */
public record UpstreamTlsConfig(
        Path trustedCa,
        Path certificate,
        Path privateKey,
        Secret privateKeyPassword,
        String serverName,
        Boolean insecureSkipHostnameVerification) {

    public UpstreamTlsConfig {
        insecureSkipHostnameVerification = Objects.requireNonNullElse(insecureSkipHostnameVerification, false);
    }

    public static UpstreamTlsConfig defaults() {
        return new UpstreamTlsConfig(null, null, null, null, null, null);
    }
}
