package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.backends.SecretBackend;
import io.mtlsproxy.backends.SecretBackends;
import io.mtlsproxy.backends.SecretDisabledException;
import io.mtlsproxy.backends.SecretExpiredException;
import io.mtlsproxy.backends.SecretNotYetValidException;
import io.mtlsproxy.backends.SecretRef;
import io.mtlsproxy.backends.SecretUnavailableException;
import io.mtlsproxy.backends.SecretValue;
import io.mtlsproxy.core.config.CacheConfig;
import io.mtlsproxy.core.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a device sees, over real mTLS, when the store holds a secret it must not serve (disabled,
 * expired, not valid yet) or throttles: stable codes on both routes, the store's Retry-After.
 */
class SecretStateStatusTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final ExecutorService io = Executors.newSingleThreadExecutor();
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        pki.writeServerFiles(dir);
        Files.writeString(dir.resolve("config.yaml"), """
                listener: {bind: 127.0.0.1, port: 0}
                tls: {certificate: server.pem, privateKey: server.key, trustAnchors: [ca.pem]}
                access:
                  rules: [{name: all, match: {anyAuthenticated: true}, secrets: ["*"]}]
                """);
        gateway = Gateway.start(new ConfigLoader(Map.of()).load(dir.resolve("config.yaml")),
                SecretBackends.of(List.of(new StatefulVault()), CacheConfig.defaults(), io, Ticker.systemTicker()), io, e -> { });
    }

    @AfterEach
    void stop() {
        gateway.stop(Duration.ZERO);
        io.shutdownNow();
    }

    private TlsClient.Response get(String path) throws Exception {
        try (TlsClient client = TlsClient.connect(gateway.port(), pki.root.certificate(), pki.client("device-1"))) {
            return client.get(path);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "disabled, 410, secret_disabled",
        "expired, 410, secret_expired",
        "future, 404, secret_not_yet_valid",
    })
    void inactiveSecretsHaveTheirOwnCodes(String name, int status, String code) throws Exception {
        TlsClient.Response v1 = get("/v1/secrets/" + name);
        TlsClient.Response origin = get("/api/certificatesecretproxy?SecretName=" + name);

        assertThat(v1.status()).isEqualTo(status);
        assertThat(JSON.readTree(v1.body()).path("error").path("code").asText()).isEqualTo(code);
        assertThat(v1.header("Retry-After")).isNull();
        assertThat(origin.status()).isEqualTo(status);
        JsonNode body = JSON.readTree(origin.body());
        assertThat(body.path("ErrorCode").asText()).isEqualTo(code);
        assertThat(body.path("Diagnostics").path("Phase").asText()).isEqualTo("secret-retrieval");
        assertThat(origin.body()).doesNotContain("SecretValue");
    }

    @Test
    void throttledStoreHandsItsRetryAfterToTheClient() throws Exception {
        TlsClient.Response v1 = get("/v1/secrets/throttled");
        TlsClient.Response origin = get("/api/certificatesecretproxy?SecretName=throttled");

        assertThat(v1.status()).isEqualTo(503);
        assertThat(JSON.readTree(v1.body()).path("error").path("code").asText()).isEqualTo("backend_unavailable");
        assertThat(v1.header("Retry-After")).isEqualTo("30");
        assertThat(origin.status()).isEqualTo(503);
        assertThat(origin.header("Retry-After")).isEqualTo("30");
    }

    /** A store whose secrets are in the states under test. */
    private static final class StatefulVault implements SecretBackend {
        @Override
        public String name() {
            return "vault";
        }

        @Override
        public String type() {
            return "keyvault";
        }

        @Override
        public CompletableFuture<SecretValue> fetch(SecretRef ref) {
            Instant at = Instant.parse("2026-01-01T00:00:00Z");
            return CompletableFuture.failedFuture(switch (ref.name()) {
                case "disabled" -> new SecretDisabledException(ref.name(), name());
                case "expired" -> new SecretExpiredException(ref.name(), name(), at);
                case "future" -> new SecretNotYetValidException(ref.name(), name(), at);
                default -> new SecretUnavailableException(ref.name(), name(), "Key Vault is throttling (429 Throttled)",
                        Duration.ofSeconds(30), null);
            });
        }
    }
}
