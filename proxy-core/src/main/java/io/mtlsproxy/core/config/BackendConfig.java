package io.mtlsproxy.core.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/** One secret store. {@code type} selects the kind; each kind has its own settings. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = BackendConfig.AppSettings.class, name = "appsettings"),
    @JsonSubTypes.Type(value = BackendConfig.Files.class, name = "file"),
})
public sealed interface BackendConfig {

    String name();

    /** The kind as written in config and shown as the origin's {@code Workload}. */
    String type();

    /**
     * Secrets from environment variables ({@code <envPrefix><name>}, the origin's {@code VAR_<name>})
     * and from values written in the config file; config values win.
     */
    record AppSettings(String name, String envPrefix, Map<String, Secret> values) implements BackendConfig {
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
    record Files(String name, Path directory, Boolean trimTrailingNewline) implements BackendConfig {
        public Files {
            name = Objects.requireNonNullElse(name, "file");
            trimTrailingNewline = Objects.requireNonNullElse(trimTrailingNewline, true);
        }

        @Override
        public String type() {
            return "file";
        }
    }
}
