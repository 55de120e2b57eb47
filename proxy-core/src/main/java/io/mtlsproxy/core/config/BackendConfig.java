package io.mtlsproxy.core.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One secret store. {@code type} selects the kind; each kind has its own settings, and every kind
 * has the same three tuning settings, the last components of each record: {@code cache} (this
 * backend's cache settings, falling back to {@code secrets.cache}), {@code timeout} (the longest
 * one backend call may take) and {@code circuitBreaker}. Left out, they are null here; the
 * backends module applies the defaults.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = BackendConfig.AppSettings.class, name = "appsettings"),
    @JsonSubTypes.Type(value = BackendConfig.Files.class, name = "file"),
    @JsonSubTypes.Type(value = BackendConfig.KeyVault.class, name = "keyvault"),
})
public sealed interface BackendConfig {

    String name();

    /** The kind as written in config and shown as the origin's {@code Workload}. */
    String type();

    /** This backend's cache settings; null fields fall back to {@code secrets.cache}. Null when not written. */
    BackendCacheConfig cache();

    /** The longest one call to this backend may take; null for the kind's default. */
    Duration timeout();

    /** When this backend counts as dead; null for the defaults. */
    CircuitBreakerConfig circuitBreaker();

    /**
     * Secrets from environment variables ({@code <envPrefix><name>}, the origin's {@code VAR_<name>})
     * and from values written in the config file; config values win.
     */
    record AppSettings(String name, String envPrefix, Map<String, Secret> values, BackendCacheConfig cache,
            Duration timeout, CircuitBreakerConfig circuitBreaker) implements BackendConfig {
        public AppSettings(String name, String envPrefix, Map<String, Secret> values) {
            this(name, envPrefix, values, null, null, null);
        }

        public AppSettings {
            name = Objects.requireNonNullElse(name, "appsettings");
            envPrefix = Objects.requireNonNullElse(envPrefix, "VAR_");
            values = values == null ? Map.of() : Map.copyOf(values);
        }

        @Override
        public String type() {
            return "appsettings";
        }
    }

    /** Secrets as files in one directory, one file per secret (mounted Kubernetes secrets). */
    record Files(String name, Path directory, Boolean trimTrailingNewline, BackendCacheConfig cache,
            Duration timeout, CircuitBreakerConfig circuitBreaker) implements BackendConfig {
        public Files(String name, Path directory, Boolean trimTrailingNewline) {
            this(name, directory, trimTrailingNewline, null, null, null);
        }

        public Files {
            name = Objects.requireNonNullElse(name, "file");
            trimTrailingNewline = Objects.requireNonNullElse(trimTrailingNewline, true);
        }

        @Override
        public String type() {
            return "file";
        }
    }

    /**
     * Secrets from one Azure Key Vault (the origin's {@code WORKLOAD=KEYVAULT}).
     *
     * @param vaultUri the vault's URL, e.g. {@code https://contoso.vault.azure.net} (sovereign clouds,
     *     private endpoints); exactly one of this and {@code vaultName}
     * @param vaultName the vault's name in the public cloud: {@code https://<vaultName>.vault.azure.net}
     * @param credential how the gateway signs in to the vault (needs the secrets "get" permission)
     * @param apiVersion the Key Vault REST api-version, e.g. {@code 7.5}; null for the client library's newest
     */
    record KeyVault(String name, URI vaultUri, String vaultName, EntraConfig.CredentialConfig credential,
            String apiVersion, BackendCacheConfig cache, Duration timeout, CircuitBreakerConfig circuitBreaker)
            implements BackendConfig {
        /** Where {@code vaultName} points: the public cloud's vault domain. */
        public static final String PUBLIC_CLOUD_VAULT_DOMAIN = ".vault.azure.net";

        public KeyVault(String name, URI vaultUri, String vaultName, EntraConfig.CredentialConfig credential) {
            this(name, vaultUri, vaultName, credential, null, null, null, null);
        }

        public KeyVault {
            name = Objects.requireNonNullElse(name, "keyvault");
            credential = Objects.requireNonNullElseGet(credential, EntraConfig.CredentialConfig::defaults);
        }

        @Override
        public String type() {
            return "keyvault";
        }

        /**
         * The vault's URL: {@code vaultUri} as written, or {@code https://<vaultName>.vault.azure.net};
         * null when neither is set (validation refuses that).
         */
        public URI effectiveVaultUri() {
            if (vaultUri != null) {
                return vaultUri;
            }
            return vaultName == null ? null : URI.create("https://" + vaultName + PUBLIC_CLOUD_VAULT_DOMAIN);
        }
    }
}
