package io.mtlsproxy.backends;

import io.mtlsproxy.core.testing.ManagedIdentityEndpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.security.keyvault.secrets.SecretServiceVersion;
import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.EntraConfig.CredentialConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real Azure SDK client and the real managed-identity credential (through IDENTITY_ENDPOINT,
 * see backends/pom.xml) against a Key Vault REST fixture over HTTPS.
 */
class KeyVaultBackendTest {
    static final String API_VERSION = "7.5";
    private static final CredentialConfig MANAGED_IDENTITY = new CredentialConfig("managedIdentity", null, null, null, null, null);

    private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread thread = new Thread(r, "test-secret-io");
        thread.setDaemon(true);
        return thread;
    });
    private final KeyVaultFixture vault = new KeyVaultFixture(API_VERSION);

    @AfterEach
    void close() {
        vault.close();
        executor.shutdownNow();
        assertThat(ManagedIdentityEndpoint.get().drainProblems()).isEmpty();
    }

    static KeyVaultBackend backend(KeyVaultFixture vault, String apiVersion, Duration timeout, Clock clock,
            CredentialConfig credential, ExecutorService executor) throws ConfigException {
        BackendConfig.KeyVault config = new BackendConfig.KeyVault("vault", vault.vaultUri(), null, credential, apiVersion,
                null, timeout, null);
        TokenCredential token = AzureCredentials.fromConfig(credential, "secrets.backends[0].credential",
                Duration.ofSeconds(5), executor);
        HttpClient http = new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(vault.clientContext()))
                .executor(executor)
                .build();
        return new KeyVaultBackend(config, new KeyVaultBackend.Transport(http, token, false), executor, clock);
    }

    private KeyVaultBackend backend() throws ConfigException {
        return backend(Clock.systemUTC());
    }

    private KeyVaultBackend backend(Clock clock) throws ConfigException {
        return backend(vault, API_VERSION, Duration.ofSeconds(5), clock, MANAGED_IDENTITY, executor);
    }

    static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(20, TimeUnit.SECONDS);
    }

    static Throwable awaitFailure(CompletableFuture<?> future) {
        Throwable thrown = catchThrowable(() -> future.get(20, TimeUnit.SECONDS));
        assertThat(thrown).isInstanceOf(ExecutionException.class);
        return thrown.getCause();
    }

    // --- reads -----------------------------------------------------------------------------------

    @Test
    void readsTheLatestVersionThroughTheChallengeAndTheManagedIdentityToken() throws Exception {
        vault.put("db-password", "first-value");
        String latest = vault.put("db-password", "second-value");

        SecretValue secret = await(backend().fetch(SecretRef.latest("db-password")));

        assertThat(secret.value()).isEqualTo("second-value");
        assertThat(secret.version()).isEqualTo(latest);
        assertThat(secret.name()).isEqualTo("db-password");
        assertThat(secret.backend()).isEqualTo("vault");
        assertThat(secret.backendType()).isEqualTo("keyvault");
        assertThat(vault.challenges()).isEqualTo(1);
        assertThat(vault.requests()).allSatisfy(r -> assertThat(r).matches("GET /secrets/db-password/?\\?api-version=7\\.5"));
        assertThat(vault.problems()).isEmpty();
    }

    @Test
    void readsTheVersionAskedFor() throws Exception {
        String first = vault.put("db-password", "first-value");
        vault.put("db-password", "second-value");

        SecretValue secret = await(backend().fetch(new SecretRef("db-password", first)));

        assertThat(secret.value()).isEqualTo("first-value");
        assertThat(secret.version()).isEqualTo(first);
        assertThat(vault.requests()).last().isEqualTo("GET /secrets/db-password/" + first + "?api-version=7.5");
    }

    @Test
    void speaksTheNewestApiVersionWhenNoneIsConfigured() throws Exception {
        String newest = SecretServiceVersion.getLatest().getVersion();
        try (KeyVaultFixture latest = new KeyVaultFixture(newest)) {
            latest.put("wifi", "psk");

            KeyVaultBackend backend = backend(latest, null, Duration.ofSeconds(5), Clock.systemUTC(), MANAGED_IDENTITY, executor);

            assertThat(await(backend.fetch(SecretRef.latest("wifi"))).value()).isEqualTo("psk");
            assertThat(latest.problems()).isEmpty();
        }
    }

    @Test
    void defaultCredentialFindsTheManagedIdentity() throws Exception {
        vault.put("wifi", "psk");
        CredentialConfig defaults = CredentialConfig.defaults();

        KeyVaultBackend backend = backend(vault, API_VERSION, Duration.ofSeconds(10), Clock.systemUTC(), defaults, executor);

        assertThat(await(backend.fetch(SecretRef.latest("wifi"))).value()).isEqualTo("psk");
    }

    @Test
    void unknownSecretOrVersionIsNotFound() throws Exception {
        vault.put("db-password", "value");
        KeyVaultBackend backend = backend();

        assertThat(awaitFailure(backend.fetch(SecretRef.latest("nothing-here")))).isInstanceOf(SecretNotFoundException.class)
                .hasMessageContaining("nothing-here");
        assertThat(awaitFailure(backend.fetch(new SecretRef("db-password", "0123456789abcdef0123456789abcdef"))))
                .isInstanceOf(SecretNotFoundException.class);
        assertThat(vault.answered("nothing-here")).isEqualTo(1);
    }

    @Test
    void namesAreCaseInsensitiveAsInKeyVault() throws Exception {
        String version = vault.put("Db-Password", "value");

        SecretValue secret = await(backend().fetch(SecretRef.latest("DB-PASSWORD")));

        assertThat(secret.version()).isEqualTo(version);
        assertThat(secret.name()).isEqualTo("DB-PASSWORD");
    }

    // --- the secret's own state ----------------------------------------------------------------

    @Test
    void disabledSecretIsDisabled() throws Exception {
        vault.put("old-key", "value", false, null, null);

        Throwable failure = awaitFailure(backend().fetch(SecretRef.latest("old-key")));

        assertThat(failure).isInstanceOf(SecretDisabledException.class).hasMessageContaining("old-key");
        assertThat(vault.answered("old-key")).as("a disabled secret is an answer, not retried").isEqualTo(1);
    }

    @Test
    void expiredSecretIsExpiredFromItsExpiryOn() throws Exception {
        Instant now = Instant.parse("2026-11-02T10:00:00Z");
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        vault.put("expired", "value", true, now.minusSeconds(1), null);
        vault.put("expires-now", "value", true, now, null);
        vault.put("expires-later", "value", true, now.plus(1, ChronoUnit.HOURS), null);
        KeyVaultBackend backend = backend(clock);

        Throwable expired = awaitFailure(backend.fetch(SecretRef.latest("expired")));

        assertThat(expired).isInstanceOf(SecretExpiredException.class);
        assertThat(((SecretExpiredException) expired).expiredAt()).isEqualTo(now.minusSeconds(1));
        assertThat(awaitFailure(backend.fetch(SecretRef.latest("expires-now")))).isInstanceOf(SecretExpiredException.class);
        assertThat(await(backend.fetch(SecretRef.latest("expires-later"))).value()).isEqualTo("value");
    }

    @Test
    void secretBeforeItsActivationIsNotYetValid() throws Exception {
        Instant now = Instant.parse("2026-11-02T10:00:00Z");
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        vault.put("future", "value", true, null, now.plusSeconds(60));
        vault.put("active", "value", true, null, now);
        KeyVaultBackend backend = backend(clock);

        Throwable future = awaitFailure(backend.fetch(SecretRef.latest("future")));

        assertThat(future).isInstanceOf(SecretNotYetValidException.class);
        assertThat(((SecretNotYetValidException) future).validFrom()).isEqualTo(now.plusSeconds(60));
        assertThat(await(backend.fetch(SecretRef.latest("active"))).value()).isEqualTo("value");
    }

    // --- the vault's trouble -------------------------------------------------------------------

    @Test
    void longThrottlingEndsTheCallAtOnceWithTheVaultsRetryAfter() throws Exception {
        vault.put("hot", "value");
        vault.throttle("hot", 10, "30");

        Throwable failure = awaitFailure(backend().fetch(SecretRef.latest("hot")));

        assertThat(failure).isInstanceOf(SecretUnavailableException.class).hasMessageContaining("429 Throttled");
        assertThat(((SecretUnavailableException) failure).retryAfter()).hasValue(Duration.ofSeconds(30));
        assertThat(vault.answered("hot")).as("no retry that would outlast the timeout").isEqualTo(1);
    }

    @Test
    void shortThrottlingIsRetriedWithinTheTimeout() throws Exception {
        vault.put("hot", "value");
        vault.throttle("hot", 1, "0");

        assertThat(await(backend().fetch(SecretRef.latest("hot"))).value()).isEqualTo("value");
        assertThat(vault.answered("hot")).isEqualTo(2);
    }

    @Test
    void persistentTransientErrorsAreRetriedAtMostTwice() throws Exception {
        vault.put("flaky", "value");
        vault.reply("flaky", 10, 503, Map.of("Retry-After", "0"),
                "{\"error\":{\"code\":\"ServiceUnavailable\",\"message\":\"from the test\"}}");

        Throwable failure = awaitFailure(backend().fetch(SecretRef.latest("flaky")));

        assertThat(failure).isInstanceOf(SecretUnavailableException.class).hasMessageContaining("503 ServiceUnavailable");
        assertThat(((SecretUnavailableException) failure).retryAfter()).hasValue(Duration.ZERO);
        assertThat(vault.answered("flaky")).isEqualTo(1 + KeyVaultRetry.MAX_RETRIES);
    }

    @Test
    void gatewayWithoutAccessIsABackendFailureNamingTheVaultsCode() throws Exception {
        vault.put("db-password", "value");
        vault.reply("db-password", 10, 403, Map.of(), "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Caller is not "
                + "authorized to perform action on resource.\",\"innererror\":{\"code\":\"ForbiddenByRbac\"}}}");

        Throwable failure = awaitFailure(backend().fetch(SecretRef.latest("db-password")));

        assertThat(failure).isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("403 Forbidden/ForbiddenByRbac")
                .hasMessageContaining("gateway's identity")
                .hasMessageNotContaining("Caller is not authorized");
        assertThat(((SecretUnavailableException) failure).retryAfter()).isEmpty();
    }

    @Test
    void slowVaultFailsWithinTheBackendTimeoutWithoutBlockingTheCaller() throws Exception {
        vault.put("slow", "value");
        CountDownLatch release = new CountDownLatch(1);
        vault.hold("slow", release);
        KeyVaultBackend backend = backend(vault, API_VERSION, Duration.ofMillis(300), Clock.systemUTC(), MANAGED_IDENTITY,
                executor);

        try {
            CompletableFuture<SecretValue> read = backend.fetch(SecretRef.latest("slow"));

            assertThat(read).as("the caller's thread is not held").isNotDone();
            Throwable failure = awaitFailure(read);
            assertThat(failure).isInstanceOf(SecretUnavailableException.class).hasMessageContaining("within 300ms");
        } finally {
            release.countDown();
        }
    }

    @Test
    void unreachableVaultIsUnavailable() throws Exception {
        KeyVaultBackend backend = backend();
        vault.close();

        Throwable failure = awaitFailure(backend.fetch(SecretRef.latest("db-password")));

        assertThat(failure).isInstanceOf(SecretUnavailableException.class).hasMessageContaining("cannot reach Key Vault");
    }

    @Test
    void refusedTokenRequestIsUnavailable() throws Exception {
        try (KeyVaultFixture own = KeyVaultFixture.withOwnResource(API_VERSION)) {
            ManagedIdentityEndpoint.get().refuse(own.resource(), 500);
            KeyVaultBackend backend = backend(own, API_VERSION, Duration.ofSeconds(5), Clock.systemUTC(), MANAGED_IDENTITY,
                    executor);

            Throwable failure = awaitFailure(backend.fetch(SecretRef.latest("db-password")));

            // the identity library retries a 500 itself, which may outlast the backend's timeout:
            // either way the message names the token, not the vault
            assertThat(failure).isInstanceOf(SecretUnavailableException.class)
                    .hasMessageMatching(".*(cannot get a token for Key Vault|no token from the credential within 5000ms).*");
            assertThat(own.answered("db-password")).as("no request without a token").isZero();
        }
    }

    // --- the token ------------------------------------------------------------------------------

    @Test
    void tokenIsFetchedOnceAndReused() throws Exception {
        try (KeyVaultFixture own = KeyVaultFixture.withOwnResource(API_VERSION)) {
            for (int i = 0; i < 5; i++) {
                own.put("secret-" + i, "value-" + i);
            }
            KeyVaultBackend backend = backend(own, API_VERSION, Duration.ofSeconds(5), Clock.systemUTC(), MANAGED_IDENTITY,
                    executor);

            for (int i = 0; i < 5; i++) {
                assertThat(await(backend.fetch(SecretRef.latest("secret-" + i))).value()).isEqualTo("value-" + i);
            }

            List<Map<String, String>> tokenRequests = ManagedIdentityEndpoint.get().requests(own.resource());
            assertThat(tokenRequests).hasSize(1);
            assertThat(tokenRequests.get(0)).containsEntry("resource", own.resource());
            assertThat(own.challenges()).isEqualTo(1);
            assertThat(own.problems()).isEmpty();
        }
    }

    // --- names and versions ---------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"../keys/master", "a/b", "a%2Fb", "a%2fb", "a?api-version=1", "a#b", "..", ".", "a b",
        "a\\b", "a\nb", "db_password", "db.password", "-leading", ""})
    void namesKeyVaultCannotHoldNeverReachTheVault(String name) throws Exception {
        Throwable failure = awaitFailure(backend().fetch(SecretRef.latest(name)));

        assertThat(failure).isInstanceOfAny(InvalidSecretNameException.class, SecretNotFoundException.class);
        assertThat(vault.requests()).isEmpty();
    }

    @Test
    void tooLongNameNeverReachesTheVault() throws Exception {
        Throwable failure = awaitFailure(backend().fetch(SecretRef.latest("a".repeat(128))));

        assertThat(failure).isInstanceOf(InvalidSecretNameException.class);
        assertThat(vault.requests()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../keys/master", "0123456789abcdef0123456789abcdef/../x", "%2e%2e", "0123",
        "0123456789abcdef0123456789abcdeg", "0123456789abcdef0123456789abcdef0", "?api-version=1", ""})
    void versionsKeyVaultCannotHoldNeverReachTheVault(String version) throws Exception {
        vault.put("db-password", "value");

        Throwable failure = awaitFailure(backend().fetch(new SecretRef("db-password", version)));

        assertThat(failure).isInstanceOf(SecretNotFoundException.class);
        assertThat(vault.requests()).isEmpty();
    }
}
