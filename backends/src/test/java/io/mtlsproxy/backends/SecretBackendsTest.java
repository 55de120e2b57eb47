package io.mtlsproxy.backends;

import static io.mtlsproxy.backends.Futures.failure;
import static io.mtlsproxy.backends.Futures.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.CacheConfig;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.SecretsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBackendsTest {
    private static final Duration TTL = Duration.ofMinutes(5);
    private static final Map<String, String> ENV = Map.of("VAR_db", "from-env");
    private static final BackendConfig SETTINGS = new BackendConfig.AppSettings("settings", "VAR_", Map.of());

    @TempDir
    Path dir;
    BackendConfig files;
    final FakeTicker ticker = new FakeTicker();

    @BeforeEach
    void writeFile() throws IOException {
        Files.writeString(dir.resolve("db"), "from-file\n");
        files = new BackendConfig.Files("files", dir, true);
    }

    private SecretBackends backends(String defaultBackend, Executor executor) throws ConfigException {
        SecretsConfig config = new SecretsConfig(new CacheConfig(TTL, 100), List.of(SETTINGS, files), defaultBackend);
        return SecretBackends.fromConfig(config, ENV, executor, ticker);
    }

    @Test
    void routesEveryNameToTheDefaultBackend() throws ConfigException {
        try (SecretBackends backends = backends("files", Runnable::run)) {
            SecretValue secret = value(backends.resolve("db"));

            assertThat(secret.value()).isEqualTo("from-file");
            assertThat(secret.backend()).isEqualTo("files");
            assertThat(secret.backendType()).isEqualTo("file");
        }
    }

    @Test
    void defaultBackendIsTheFirstWhenNoneIsNamed() throws ConfigException {
        try (SecretBackends backends = backends(null, Runnable::run)) {
            assertThat(value(backends.resolve("db")).value()).isEqualTo("from-env");
        }
    }

    @Test
    void refusesInvalidNameAsFailedFutureBeforeAnyBackend() throws ConfigException {
        QueuedExecutor executor = new QueuedExecutor();
        try (SecretBackends backends = backends("files", executor)) {
            assertThat(failure(backends.resolve("../db"))).isInstanceOf(InvalidSecretNameException.class);
            assertThat(failure(backends.resolve(null))).isInstanceOf(InvalidSecretNameException.class);

            assertThat(executor.submitted()).isZero();
            assertThat(backends.cacheStats()).isEqualTo(new CacheStats(0, 0, 0, 0));
        }
    }

    @Test
    void servesFromCacheUntilTtl() throws Exception {
        try (SecretBackends backends = backends("files", Runnable::run)) {
            assertThat(value(backends.resolve("db")).value()).isEqualTo("from-file");
            Files.writeString(dir.resolve("db"), "rotated");

            assertThat(value(backends.resolve("db")).value()).isEqualTo("from-file");
            ticker.advance(TTL);
            assertThat(value(backends.resolve("db")).value()).isEqualTo("rotated");
            assertThat(backends.cacheStats().loads()).isEqualTo(2);
        }
    }

    @Test
    void reportsEveryProblemWithItsSetting() {
        SecretsConfig config = new SecretsConfig(null, List.of(
                new BackendConfig.AppSettings("a", "", Map.of()),
                new BackendConfig.Files("a", dir.resolve("missing"), true)), "nope");

        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> SecretBackends.fromConfig(config, ENV, Runnable::run, ticker));

        assertThat(e.problems()).satisfiesExactlyInAnyOrder(
                p -> assertThat(p).startsWith("secrets.backends[0].envPrefix:"),
                p -> assertThat(p).startsWith("secrets.backends[1].name:").contains("'a'"),
                p -> assertThat(p).startsWith("secrets.backends[1].directory:").contains("missing"),
                p -> assertThat(p).startsWith("secrets.defaultBackend:").contains("'nope'"));
    }

    @Test
    void requiresABackend() {
        SecretsConfig config = new SecretsConfig(null, List.of(), null);

        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> SecretBackends.fromConfig(config, ENV, Runnable::run, ticker));

        assertThat(e.problems()).singleElement().asString().startsWith("secrets.backends:");
    }
}
