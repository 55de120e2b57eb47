package io.mtlsproxy.server;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.ConfigLoader;
import io.mtlsproxy.core.config.GatewayConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the gateway's configuration comes from, read again on every reload: the YAML file, or the
 * origin's environment settings. Either way a reload also re-reads every file the configuration
 * names (certificates, key, trust anchors, CRLs).
 */
public interface ConfigSource {
    /** Loads and validates the configuration, as at start-up. */
    GatewayConfig load() throws ConfigException;

    /** The configuration file, watched for changes; null when there is none. */
    Path file();

    /** The YAML file {@code file}, with the environment references and overrides of {@code loader}. */
    static ConfigSource file(ConfigLoader loader, Path file) {
        Objects.requireNonNull(file, "file");
        return new ConfigSource() {
            @Override
            public GatewayConfig load() throws ConfigException {
                return loader.load(file);
            }

            @Override
            public Path file() {
                return file;
            }
        };
    }

    /** The origin's environment settings: they cannot change, but the files they name can. */
    static ConfigSource environment(ConfigLoader loader) {
        return new ConfigSource() {
            @Override
            public GatewayConfig load() throws ConfigException {
                return loader.loadFromEnvironment();
            }

            @Override
            public Path file() {
                return null;
            }
        };
    }

    /** A configuration already loaded: a reload re-reads the files it names, not the settings. */
    static ConfigSource fixed(GatewayConfig config) {
        Objects.requireNonNull(config, "config");
        return new ConfigSource() {
            @Override
            public GatewayConfig load() {
                return config;
            }

            @Override
            public Path file() {
                return null;
            }
        };
    }
}
