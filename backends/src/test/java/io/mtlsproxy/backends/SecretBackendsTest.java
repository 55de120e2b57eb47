package io.mtlsproxy.backends;

import static io.mtlsproxy.backends.Futures.failure;
import static io.mtlsproxy.backends.Futures.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.CacheConfig;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.RouteConfig;
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
    final FakeTime ticker = new FakeTime();

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
            assertThat(backends.cacheStats()).isEqualTo(new CacheStats(0, 0, 0, 0, 0, 0, 0, 0, 0));
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

    @Test
    void routesNamesToTheirBackendsAndKeepsTheirEntriesApart() throws Exception {
        SecretsConfig config = new SecretsConfig(new CacheConfig(TTL, 100), List.of(SETTINGS, files), "settings",
                List.of(RouteConfig.forNames("files", "db"), RouteConfig.forPrefix("f-", "files", true)));
        Files.writeString(dir.resolve("wifi"), "file-wifi");
        Map<String, String> env = Map.of("VAR_db", "from-env", "VAR_f-wifi", "env-f-wifi", "VAR_other", "env-other");
        try (SecretBackends backends = SecretBackends.fromConfig(config, env, Runnable::run, ticker)) {
            assertThat(value(backends.resolve("db")).value()).as("explicit name").isEqualTo("from-file");
            SecretValue stripped = value(backends.resolve("f-wifi"));
            assertThat(stripped.value()).as("prefix, stripped").isEqualTo("file-wifi");
            assertThat(stripped.name()).as("answered under the name asked for").isEqualTo("f-wifi");
            assertThat(value(backends.resolve("other")).value()).as("default backend").isEqualTo("env-other");
            assertThat(backends.backendFor("db")).isEqualTo("files");
            assertThat(backends.backendFor("f-x")).isEqualTo("files");
            assertThat(backends.backendFor("other")).isEqualTo("settings");
            assertThat(failure(backends.resolve("f-"))).as("nothing left after the prefix")
                    .isInstanceOf(SecretNotFoundException.class);
        }
    }

    @Test
    void longestPrefixWinsWhateverTheOrder() {
        SecretRoutes routes = SecretRoutes.of(List.of(RouteConfig.forPrefix("kv-", "vault", false),
                RouteConfig.forPrefix("kv-tables-", "tables", true), RouteConfig.forNames("settings", "kv-tables-x")),
                "files");

        assertThat(routes.route("kv-tables-row").backend()).isEqualTo("tables");
        assertThat(routes.route("kv-tables-row").backendName("kv-tables-row")).isEqualTo("row");
        assertThat(routes.route("kv-wifi").backend()).isEqualTo("vault");
        assertThat(routes.route("kv-wifi").backendName("kv-wifi")).isEqualTo("kv-wifi");
        assertThat(routes.route("kv-tables-x").backend()).as("an explicit name beats any prefix").isEqualTo("settings");
        assertThat(routes.route("kv").backend()).isEqualTo("files");
    }

    @Test
    void sameNameOnTwoBackendsIsTwoEntries() {
        ControllableBackend a = new ControllableBackend("a");
        ControllableBackend b = new ControllableBackend("b");
        BackendTuning tuning = BackendTuning.of(CacheConfig.defaults());
        try (SecretBackends backends = SecretBackends.of(
                List.of(new SecretCache.Tuned(a, tuning), new SecretCache.Tuned(b, tuning)),
                List.of(RouteConfig.forPrefix("b-", "b", true)), CacheConfig.defaults(), Runnable::run, ticker, ticker)) {
            var fromA = backends.lookup("x", null);
            a.answer("from-a", "1");
            var fromB = backends.lookup("b-x", null);
            b.answer("from-b", "1");

            assertThat(a.lastCall().ref().name()).isEqualTo("x");
            assertThat(b.lastCall().ref().name()).isEqualTo("x");
            assertThat(value(fromA).value().value()).isEqualTo("from-a");
            assertThat(value(fromB).value().value()).isEqualTo("from-b");
            assertThat(value(backends.lookup("x", null)).value().value()).isEqualTo("from-a");
            assertThat(a.callCount() + b.callCount()).isEqualTo(2);
        }
    }

    @Test
    void refusesAnInvalidVersionBeforeAnyBackend() throws ConfigException {
        QueuedExecutor executor = new QueuedExecutor();
        try (SecretBackends backends = backends("files", executor)) {
            assertThat(failure(backends.lookup("db", "../1"))).isInstanceOf(InvalidSecretVersionException.class);
            assertThat(failure(backends.lookup("db", ""))).isInstanceOf(InvalidSecretVersionException.class);
            assertThat(executor.submitted()).isZero();
        }
    }

    @Test
    void routeToAnUnknownBackendIsRefused() {
        SecretsConfig config = new SecretsConfig(null, List.of(SETTINGS), null,
                List.of(RouteConfig.forNames("nowhere", "db")));

        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> SecretBackends.fromConfig(config, ENV, Runnable::run, ticker));

        assertThat(e.problems()).singleElement().asString().startsWith("secrets.routes[0].backend:");
    }
}
