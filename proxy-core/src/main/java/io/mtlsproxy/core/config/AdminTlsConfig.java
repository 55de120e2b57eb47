package io.mtlsproxy.core.config;

import java.nio.file.Path;
import java.util.List;

/**
 * TLS for the admin listener: its own key pair, and the CAs of the operators' (or the
 * Prometheus scraper's) client certificates, which are then required.
 *
 * @param certificate PEM chain of the admin listener's certificate (leaf first)
 * @param privateKey its PEM private key
 * @param privateKeyPassword password of an encrypted PEM key
 * @param trustAnchors PEM bundles of the CAs whose client certificates may use the admin listener
 */
public record AdminTlsConfig(Path certificate, Path privateKey, Secret privateKeyPassword, List<Path> trustAnchors) {
    public AdminTlsConfig {
        trustAnchors = trustAnchors == null ? List.of() : List.copyOf(trustAnchors);
    }
}
