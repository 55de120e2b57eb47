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
    @JsonSubTypes.Type(value = BackendConfig.Table.class, name = "table"),
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

    /**
     * Secrets as rows of an Azure Table (the origin's {@code WORKLOAD=TABLE}): the row
     * {@code (partitionKey, rowKey with {name} replaced)} holds the secret in {@code valueProperty}.
     * The table is reached by exactly one of {@code endpoint} (with {@code credential}) or
     * {@code connectionString} (with {@code table}); see the backends module's TableBackend.
     *
     * @param endpoint the origin's TABLE_ENDPOINT form {@code https://<account>.table.core.windows.net/<Table>},
     *     or the account URL alone with {@code table}; signed in with {@code credential}
     * @param connectionString a storage connection string (account key or SAS); never printed
     * @param table the table name, when the endpoint's path does not carry it
     * @param credential how the gateway signs in with an endpoint; DefaultAzureCredential when absent
     * @param partitionKey the PartitionKey of every secret's row (the origin's {@code secret})
     * @param rowKey the RowKey template; {@code {name}} is replaced by the secret's name
     * @param valueProperty the row property {@code /v1/secrets} serves as the value
     */
    record Table(String name, URI endpoint, Secret connectionString, String table,
            EntraConfig.CredentialConfig credential, String partitionKey, String rowKey, String valueProperty,
            BackendCacheConfig cache, Duration timeout, CircuitBreakerConfig circuitBreaker) implements BackendConfig {
        public static final String NAME_PLACEHOLDER = "{name}";

        public Table {
            name = Objects.requireNonNullElse(name, "table");
            partitionKey = Objects.requireNonNullElse(partitionKey, "secret");
            rowKey = Objects.requireNonNullElse(rowKey, NAME_PLACEHOLDER);
            valueProperty = Objects.requireNonNullElse(valueProperty, "Value");
        }

        @Override
        public String type() {
            return "table";
        }

        /** The table: {@code table}, or the last segment of the endpoint's path. Null when neither says. */
        public String effectiveTable() {
            return table != null ? table : lastPathSegment();
        }

        /** The endpoint without its table segment: what the SDK calls the service endpoint. */
        public String accountEndpoint() {
            if (endpoint == null) {
                return null;
            }
            String text = endpoint.toString().replaceAll("/+$", "");
            String last = lastPathSegment();
            boolean tableInPath = last != null && (table == null || table.equals(last));
            return tableInPath ? text.substring(0, text.length() - last.length() - 1) : text;
        }

        private String lastPathSegment() {
            if (endpoint == null || endpoint.getPath() == null) {
                return null;
            }
            String path = endpoint.getPath().replaceAll("/+$", "");
            String last = path.substring(path.lastIndexOf('/') + 1);
            return last.isEmpty() ? null : last;
        }
    }
}
