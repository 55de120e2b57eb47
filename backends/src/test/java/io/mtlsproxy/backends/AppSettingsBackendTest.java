package io.mtlsproxy.backends;

import static io.mtlsproxy.backends.Futures.failure;
import static io.mtlsproxy.backends.Futures.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.Secret;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AppSettingsBackendTest {
    private static final Map<String, String> ENV = Map.of(
            "VAR_db-password", "from-env",
            "VAR_api.key", "env-api-key",
            "PATH", "/usr/bin",
            "VAR_bad name", "unreachable");

    private static AppSettingsBackend backend(Map<String, Secret> values) {
        return new AppSettingsBackend(new BackendConfig.AppSettings("settings", "VAR_", values), ENV);
    }

    @Test
    void servesEnvironmentVariableWithPrefix() {
        SecretValue secret = value(backend(Map.of()).fetch(SecretRef.latest("db-password")));

        assertThat(secret.name()).isEqualTo("db-password");
        assertThat(secret.value()).isEqualTo("from-env");
        assertThat(secret.backend()).isEqualTo("settings");
        assertThat(secret.backendType()).isEqualTo("appsettings");
    }

    @Test
    void configValueWinsOverEnvironment() {
        AppSettingsBackend backend = backend(Map.of("db-password", new Secret("from-config")));

        assertThat(value(backend.fetch(SecretRef.latest("db-password"))).value()).isEqualTo("from-config");
        assertThat(value(backend.fetch(SecretRef.latest("api.key"))).value()).isEqualTo("env-api-key");
    }

    @Test
    void unknownNameIsNotFound() {
        assertThat(failure(backend(Map.of()).fetch(SecretRef.latest("missing"))))
                .isInstanceOf(SecretNotFoundException.class)
                .hasMessageContaining("missing")
                .hasMessageContaining("settings");
    }

    @Test
    void variableWithoutPrefixIsNotServed() {
        assertThat(failure(backend(Map.of()).fetch(SecretRef.latest("PATH"))))
                .isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void invalidNameIsRefused() {
        assertThat(failure(backend(Map.of()).fetch(SecretRef.latest("bad name"))))
                .isInstanceOf(InvalidSecretNameException.class);
    }

    @Test
    void versionIsDerivedFromValue() {
        AppSettingsBackend backend = backend(Map.of("a", new Secret("same"), "b", new Secret("same"),
                "c", new Secret("other")));

        String a = value(backend.fetch(SecretRef.latest("a"))).version();
        assertThat(a).matches("[0-9a-f]{16}");
        assertThat(value(backend.fetch(SecretRef.latest("b"))).version()).isEqualTo(a);
        assertThat(value(backend.fetch(SecretRef.latest("c"))).version()).isNotEqualTo(a);
    }

    @Test
    void servesOnlyTheCurrentVersion() {
        AppSettingsBackend backend = backend(Map.of());
        String current = value(backend.fetch(SecretRef.latest("db-password"))).version();

        assertThat(value(backend.fetch(new SecretRef("db-password", current))).value()).isEqualTo("from-env");
        assertThat(failure(backend.fetch(new SecretRef("db-password", "0000000000000000"))))
                .isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void emptyPrefixIsRefused() {
        assertThatThrownBy(() -> new AppSettingsBackend(new BackendConfig.AppSettings("s", "", Map.of()), ENV))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("envPrefix");
    }
}
