package io.mtlsproxy.server;

import io.mtlsproxy.backends.FakeTime;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.backends.BackendTuning;
import io.mtlsproxy.backends.SecretBackends;
import io.mtlsproxy.backends.SecretCache;
import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.config.BackendCacheConfig;
import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.CacheConfig;
import io.mtlsproxy.core.config.RouteConfig;
import io.mtlsproxy.core.config.SecretsConfig;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resilient cache seen from a device, over real mTLS: outages answered from the last good
 * value, single-flight for a cold secret, rotation picked up by ETag polling, versions, routing.
 * Time is fake (the cache's ticker and timeout scheduler); the sockets and TLS are real.
 */
class SecretCacheGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TTL = Duration.ofMinutes(1);
    private static final Duration REFRESH_AHEAD = Duration.ofSeconds(10);
    private static final Duration STALE_IF_ERROR = Duration.ofMinutes(10);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final BackendTuning TUNING = new BackendTuning(TTL, REFRESH_AHEAD, Duration.ofSeconds(30),
            STALE_IF_ERROR, TIMEOUT, 3, Duration.ofSeconds(30));
    private static final String ACCESS = """
            access:
              rules:
                - name: device-a-reads-all
                  match: {subject: ["CN=device-a,O=mtls-proxy tests"]}
                  secrets: ["*"]
            """;

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate deviceA = pki.client("device-a");
    private final IssuedCertificate deviceB = pki.client("device-b");
    private final FakeTime time = new FakeTime();
    private final ScriptedBackend vault = new ScriptedBackend("vault").put("wifi-psk", "psk-1", "1");
    private SecretBackends secrets;

    private RunningGateway start(ScriptedBackend... backends) throws Exception {
        return start(List.of(), backends);
    }

    private RunningGateway start(List<RouteConfig> routes, ScriptedBackend... backends) throws Exception {
        List<SecretCache.Tuned> tuned = new ArrayList<>();
        for (ScriptedBackend backend : backends) {
            tuned.add(new SecretCache.Tuned(backend, TUNING));
        }
        secrets = SecretBackends.of(tuned, routes, CacheConfig.defaults(), Runnable::run, time, time);
        return RunningGateway.start(dir, pki, ACCESS, secrets);
    }

    @Test
    void outageIsAnsweredWithStaleValuesInsideTheGraceAnd503AfterIt() throws Exception {
        try (RunningGateway gateway = start(vault); TlsClient client = gateway.connect(deviceA)) {
            TlsClient.Response fresh = client.get("/v1/secrets/wifi-psk");
            assertThat(fresh.status()).isEqualTo(200);
            assertThat(fresh.header("X-Secret-Stale")).isNull();

            vault.stop();
            time.advance(TTL);
            int callsBeforeBreakerOpened = 0;
            for (int i = 0; i < 20; i++) {
                // 3 failed reloads open the breaker; the 17 reads after it cost no backend call
                time.advance(Duration.ofSeconds(1));
                TlsClient.Response stale = client.get("/v1/secrets/wifi-psk");
                assertThat(stale.status()).as("request %d during the outage", i).isEqualTo(200);
                assertThat(JSON.readTree(stale.body()).get("value").asText()).isEqualTo("psk-1");
                assertThat(stale.header("X-Secret-Stale")).isEqualTo("true");
                assertThat(stale.header("ETag")).isEqualTo("\"1\"");
                if (i == 2) {
                    callsBeforeBreakerOpened = vault.calls();
                }
            }
            assertThat(callsBeforeBreakerOpened).isEqualTo(1 + 3);
            assertThat(vault.calls()).as("no backend call while the breaker is open").isEqualTo(callsBeforeBreakerOpened);
            TlsClient.Response origin = client.get("/api/certificatesecretproxy?SecretName=wifi-psk");
            assertThat(origin.status()).isEqualTo(200);
            assertThat(origin.header("X-Secret-Stale")).isEqualTo("true");
            assertThat(JSON.readTree(origin.body()).get("SecretValue").asText()).isEqualTo("psk-1");

            time.advance(STALE_IF_ERROR);
            TlsClient.Response after = client.get("/v1/secrets/wifi-psk");
            assertThat(after.status()).isEqualTo(503);
            assertThat(JSON.readTree(after.body()).get("error").get("code").asText()).isEqualTo("backend_unavailable");
            assertThat(after.header("Retry-After")).isNotNull();
            assertThat(after.body()).doesNotContain("psk-1");

            List<AuditEvent> audit = gateway.auditEvents();
            assertThat(audit).filteredOn(AuditEvent::stale).hasSize(21)
                    .allSatisfy(e -> assertThat(e.outcome()).isEqualTo(AuditEvent.Outcome.ALLOW));
            assertThat(audit.get(audit.size() - 1).outcome()).isEqualTo(AuditEvent.Outcome.ERROR);
            assertThat(secrets.cacheStats().staleServes()).isEqualTo(21);
            assertThat(secrets.cacheStats().breakerRejections()).isPositive();
        }
    }

    @Test
    void fileBackendWhoseDirectoryDisappearsIsServedStaleThen503() throws Exception {
        Path mounted = Files.createDirectories(dir.resolve("mounted"));
        Files.writeString(mounted.resolve("db"), "db-password\n");
        SecretsConfig config = new SecretsConfig(null, List.of(
                new BackendConfig.Files("mounted", mounted, true,
                        new BackendCacheConfig(TTL, REFRESH_AHEAD, null, STALE_IF_ERROR),
                        TIMEOUT, null)), null);
        ExecutorService io = Executors.newSingleThreadExecutor();
        secrets = SecretBackends.fromConfig(config, Map.of(), io, time, time);
        try (RunningGateway gateway = RunningGateway.start(dir, pki, ACCESS, secrets);
                TlsClient client = gateway.connect(deviceA)) {
            assertThat(client.get("/v1/secrets/db").status()).isEqualTo(200);

            Files.delete(mounted.resolve("db"));
            Files.delete(mounted); // the volume is gone: "unavailable", not "not found"
            time.advance(TTL.plusSeconds(1));
            TlsClient.Response stale = client.get("/v1/secrets/db");
            assertThat(stale.status()).isEqualTo(200);
            assertThat(stale.header("X-Secret-Stale")).isEqualTo("true");
            assertThat(JSON.readTree(stale.body()).get("value").asText()).isEqualTo("db-password");

            time.advance(STALE_IF_ERROR);
            TlsClient.Response gone = client.get("/v1/secrets/db");
            assertThat(gone.status()).isEqualTo(503);
            assertError(gone, "backend_unavailable");
        } finally {
            io.shutdownNow();
        }
    }

    @Test
    void backendThatStopsAnsweringTimesOutWith503() throws Exception {
        try (RunningGateway gateway = start(vault); TlsClient client = gateway.connect(deviceA)) {
            vault.hang();
            client.send("GET /v1/secrets/wifi-psk HTTP/1.1\r\nHost: x\r\n\r\n");
            awaitTrue(() -> time.pending() == 1); // the call's timeout is armed
            time.advance(TIMEOUT);

            TlsClient.Response response = client.read();
            assertThat(response.status()).isEqualTo(503);
            assertThat(JSON.readTree(response.body()).get("error").get("code").asText()).isEqualTo("backend_timeout");
            assertThat(response.header("Retry-After")).isEqualTo("1");
        }
    }

    @Test
    void twoHundredConcurrentRequestsForAColdSecretMakeOneBackendCall() throws Exception {
        int requests = 200;
        try (RunningGateway gateway = start(vault)) {
            List<TlsClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < requests; i++) {
                    clients.add(gateway.connect(deviceA));
                }
                vault.hold();
                for (TlsClient client : clients) {
                    client.send("GET /v1/secrets/wifi-psk HTTP/1.1\r\nHost: x\r\n\r\n");
                }
                // every request has reached the cache and waits on the one load
                awaitTrue(() -> secrets.cacheStats().misses() == requests);
                vault.release();
                for (TlsClient client : clients) {
                    TlsClient.Response response = client.read();
                    assertThat(response.status()).isEqualTo(200);
                    assertThat(JSON.readTree(response.body()).get("value").asText()).isEqualTo("psk-1");
                }
            } finally {
                for (TlsClient client : clients) {
                    client.close();
                }
            }
            assertThat(vault.calls()).isEqualTo(1);
            assertThat(secrets.cacheStats().loads()).isEqualTo(1);
        }
    }

    @Test
    void rotationIsVisibleWithinOneRefreshIntervalAndPollingGets304Before() throws Exception {
        try (RunningGateway gateway = start(vault); TlsClient client = gateway.connect(deviceA)) {
            TlsClient.Response first = client.get("/v1/secrets/wifi-psk");
            assertThat(first.header("ETag")).isEqualTo("\"1\"");

            TlsClient.Response unchanged = conditionalGet(client, "\"1\"");
            assertThat(unchanged.status()).isEqualTo(304);
            assertThat(unchanged.body()).isEmpty();
            assertThat(unchanged.header("ETag")).isEqualTo("\"1\"");
            assertThat(unchanged.header("Cache-Control")).isEqualTo("no-store");
            assertThat(conditionalGet(client, "W/\"1\"").status()).as("weak comparison").isEqualTo(304);
            assertThat(conditionalGet(client, "\"0\", \"1\"").status()).as("a list").isEqualTo(304);
            assertThat(conditionalGet(client, "*").status()).isEqualTo(304);
            assertThat(conditionalGet(client, "\"0\"").status()).as("another version").isEqualTo(200);

            vault.put("wifi-psk", "psk-2", "2");
            // within the refresh-ahead window: answered with the current value while it is reloaded
            time.advance(TTL.minus(REFRESH_AHEAD));
            assertThat(conditionalGet(client, "\"1\"").status()).isEqualTo(304);

            TlsClient.Response rotated = conditionalGet(client, "\"1\"");
            assertThat(rotated.status()).isEqualTo(200);
            assertThat(rotated.header("ETag")).isEqualTo("\"2\"");
            assertThat(JSON.readTree(rotated.body()).get("value").asText()).isEqualTo("psk-2");
            assertThat(conditionalGet(client, "\"2\"").status()).isEqualTo(304);

            assertThat(gateway.auditEvents()).filteredOn(e -> e.outcome() == AuditEvent.Outcome.NOT_MODIFIED)
                    .hasSize(6)
                    .allSatisfy(e -> {
                        assertThat(e.status()).isEqualTo(304);
                        assertThat(e.reason()).isEqualTo("device-a-reads-all");
                        assertThat(e.version()).isIn("1", "2");
                    });
        }
    }

    @Test
    void notModifiedNeverTellsAnUngrantedDeviceThatTheSecretExists() throws Exception {
        try (RunningGateway gateway = start(vault); TlsClient client = gateway.connect(deviceB)) {
            TlsClient.Response response = conditionalGet(client, "*");

            assertThat(response.status()).isEqualTo(403);
            assertThat(response.header("ETag")).isNull();
            assertThat(vault.calls()).isZero();
        }
    }

    @Test
    void versionParameterServesThatVersionFromABackendWithVersions() throws Exception {
        vault.put("wifi-psk", "psk-2", "2");
        try (RunningGateway gateway = start(vault); TlsClient client = gateway.connect(deviceA)) {
            TlsClient.Response old = client.get("/v1/secrets/wifi-psk?version=1");
            assertThat(old.status()).isEqualTo(200);
            assertThat(JSON.readTree(old.body()).get("value").asText()).isEqualTo("psk-1");
            assertThat(old.header("ETag")).isEqualTo("\"1\"");
            assertThat(JSON.readTree(client.get("/v1/secrets/wifi-psk").body()).get("value").asText())
                    .isEqualTo("psk-2");
            TlsClient.Response unknown = client.get("/v1/secrets/wifi-psk?version=9");
            assertThat(unknown.status()).isEqualTo(404);
            assertError(unknown, "secret_not_found");

            for (String bad : new String[] {"..%2F1", "", "a%20b", "x".repeat(129), "1&version=2", "%zz"}) {
                TlsClient.Response response = client.get("/v1/secrets/wifi-psk?version=" + bad);
                assertThat(response.status()).as(bad).isEqualTo(400);
                assertError(response, "invalid_secret_version");
            }
        }
    }

    @Test
    void versionParameterOnABackendWithoutVersionsAcceptsOnlyTheCurrentOne() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, ACCESS + """
                secrets:
                  backends:
                    - type: appsettings
                """, Map.of("VAR_db", "db-password")); TlsClient client = gateway.connect(deviceA)) {
            TlsClient.Response latest = client.get("/v1/secrets/db");
            String version = JSON.readTree(latest.body()).get("version").asText();
            assertThat(latest.header("ETag")).isEqualTo("\"" + version + "\"");

            assertThat(client.get("/v1/secrets/db?version=" + version).status()).isEqualTo(200);
            assertThat(client.get("/v1/secrets/db?version=0000000000000000").status()).isEqualTo(404);
        }
    }

    @Test
    void routesSendNamesToTheirBackendAndTheirEntriesNeverCollide() throws Exception {
        ScriptedBackend files = new ScriptedBackend("files").put("wifi-psk", "file-psk", "f1").put("db", "file-db", "f2");
        List<RouteConfig> routes = List.of(RouteConfig.forNames("files", "db"),
                RouteConfig.forPrefix("f-", "files", true));
        try (RunningGateway gateway = start(routes, vault, files); TlsClient client = gateway.connect(deviceA)) {
            JsonNode fromVault = JSON.readTree(client.get("/v1/secrets/wifi-psk").body());
            JsonNode fromFiles = JSON.readTree(client.get("/v1/secrets/f-wifi-psk").body());
            JsonNode named = JSON.readTree(client.get("/v1/secrets/db").body());

            assertThat(fromVault.get("value").asText()).isEqualTo("psk-1");
            assertThat(fromVault.get("backend").asText()).isEqualTo("vault");
            assertThat(fromFiles.get("value").asText()).isEqualTo("file-psk");
            assertThat(fromFiles.get("name").asText()).isEqualTo("f-wifi-psk");
            assertThat(fromFiles.get("backend").asText()).isEqualTo("files");
            assertThat(named.get("value").asText()).isEqualTo("file-db");
            assertThat(files.asked()).containsExactly("wifi-psk", "db");
            assertThat(vault.asked()).containsExactly("wifi-psk");
            // both entries stay cached side by side
            assertThat(JSON.readTree(client.get("/v1/secrets/wifi-psk").body()).get("value").asText()).isEqualTo("psk-1");
            assertThat(JSON.readTree(client.get("/v1/secrets/f-wifi-psk").body()).get("value").asText())
                    .isEqualTo("file-psk");
            assertThat(vault.calls() + files.calls()).isEqualTo(3);
        }
    }

    @Test
    void routesFromYamlReachTheConfiguredBackends() throws Exception {
        Path files = Files.createDirectories(dir.resolve("mounted"));
        Files.writeString(files.resolve("db"), "from-file\n");
        try (RunningGateway gateway = RunningGateway.start(dir, pki, ACCESS + """
                secrets:
                  backends:
                    - type: appsettings
                      name: settings
                    - type: file
                      name: mounted
                      directory: mounted
                  routes:
                    - prefix: k8s-
                      backend: mounted
                      stripPrefix: true
                """, Map.of("VAR_db", "from-env")); TlsClient client = gateway.connect(deviceA)) {
            JsonNode fromFile = JSON.readTree(client.get("/v1/secrets/k8s-db").body());
            JsonNode fromEnv = JSON.readTree(client.get("/v1/secrets/db").body());

            assertThat(fromFile.get("value").asText()).isEqualTo("from-file");
            assertThat(fromFile.get("backend").asText()).isEqualTo("mounted");
            assertThat(fromEnv.get("value").asText()).isEqualTo("from-env");
            assertThat(fromEnv.get("backend").asText()).isEqualTo("settings");
        }
    }

    private static TlsClient.Response conditionalGet(TlsClient client, String ifNoneMatch) throws Exception {
        return client.exchange("GET /v1/secrets/wifi-psk HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + ifNoneMatch
                + "\r\n\r\n");
    }

    private static void assertError(TlsClient.Response response, String code) throws Exception {
        assertThat(JSON.readTree(response.body()).get("error").get("code").asText()).isEqualTo(code);
    }

    /** Waits for work on other threads (the gateway's event loops), polling; fails after 10 s. */
    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            LockSupport.parkNanos(1_000_000); // poll, leaving the cores to the gateway
        }
    }
}
