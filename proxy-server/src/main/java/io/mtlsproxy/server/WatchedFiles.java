package io.mtlsproxy.server;

import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.core.config.TlsConfig;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The files a reload re-reads, so a change of any of them triggers one: the config file and every
 * file it names. The deny-list file is not among them: revocation re-reads it by itself, without
 * a reload.
 */
final class WatchedFiles {
    private WatchedFiles() {}

    static Set<Path> of(GatewayConfig config, Path configFile) {
        Set<Path> files = new LinkedHashSet<>();
        add(files, configFile);
        TlsConfig tls = config.tls();
        add(files, tls.certificate());
        add(files, tls.privateKey());
        add(files, tls.keystore());
        tls.trustAnchors().forEach(file -> add(files, file));
        tls.intermediates().forEach(file -> add(files, file));
        config.revocation().crlFiles().forEach(file -> add(files, file));
        add(files, config.entra().issuerCaBundle());
        if (config.entra().credential() != null) {
            add(files, config.entra().credential().certificate());
        }
        return files;
    }

    private static void add(Set<Path> files, Path file) {
        if (file != null && !file.toString().isBlank()) {
            files.add(file);
        }
    }
}
