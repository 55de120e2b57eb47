package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.server.admin.ReloadOutcome;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin listener: health, readiness, reload, errors, loopback by default, mTLS when configured. */
class AdminEndpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIG = """
            access:
              rules: [{name: all, match: {anyAuthenticated: true}, secrets: ["*"]}]
            secrets:
              backends:
                - type: file
                  name: files
                  directory: secrets
            """;

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();

    @BeforeEach
    void secretFiles() throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(secrets.resolve("fleet-wifi"), "wifi-psk-value\n");
        Files.write(secrets.resolve("broken"), new byte[2 * 1024 * 1024]);
    }

    @Test
    void adminListensOnLoopbackByDefault() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG)) {
            InetSocketAddress admin = gateway.gateway.adminAddress().orElseThrow();
            assertThat(admin.getAddress().isLoopbackAddress()).isTrue();
            assertThat(admin.getPort()).isNotEqualTo(gateway.port());
        }
    }

    @Test
    void adminCanBeTurnedOff() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG + "admin: {enabled: false}\n")) {
            assertThat(gateway.gateway.adminAddress()).isEmpty();
        }
    }

    @Test
    void healthzAnswersWhileTheProcessServes() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG)) {
            HttpResponse<String> health = new AdminClient(gateway.gateway).get("/healthz");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("ok");
        }
    }

    @Test
    void readyzListsEveryComponentAndFollowsTheBackendsLastCall() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG);
                TlsClient device = gateway.connect(pki.client("device-a"))) {
            AdminClient admin = new AdminClient(gateway.gateway);

            HttpResponse<String> ready = admin.get("/readyz");
            assertThat(ready.statusCode()).isEqualTo(200);
            JsonNode body = JSON.readTree(ready.body());
            assertThat(body.get("status").asText()).isEqualTo("ready");
            assertThat(body.get("components").findValuesAsText("name")).containsExactly("tls", "listener", "backend:files");
            assertThat(body.get("components").findValues("ready")).allMatch(JsonNode::asBoolean);

            assertThat(device.get("/v1/secrets/broken").status()).isEqualTo(503);
            HttpResponse<String> notReady = admin.get("/readyz");
            assertThat(notReady.statusCode()).isEqualTo(503);
            JsonNode failing = JSON.readTree(notReady.body());
            assertThat(failing.get("status").asText()).isEqualTo("not_ready");
            JsonNode backend = failing.get("components").get(2);
            assertThat(backend.get("name").asText()).isEqualTo("backend:files");
            assertThat(backend.get("ready").asBoolean()).isFalse();
            assertThat(backend.get("detail").asText()).contains("failed");

            // the store answers again: ready again, without /readyz ever calling it
            assertThat(device.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            assertThat(admin.get("/readyz").statusCode()).isEqualTo(200);
            assertThat(notReady.body() + ready.body()).doesNotContain("wifi-psk-value");
        }
    }

    @Test
    void postReloadReloadsTheConfiguration() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG)) {
            AdminClient admin = new AdminClient(gateway.gateway);

            HttpResponse<String> unchanged = admin.send("POST", "/reload");
            assertThat(unchanged.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(unchanged.body()).get("status").asText()).isEqualTo("unchanged");

            RunningGateway.rewriteConfig(dir, "", CONFIG + "\nadmin:\n  port: 0\npolicies:\n  broken: {nosuchrule: x}\n");
            HttpResponse<String> rejected = admin.send("POST", "/reload");
            assertThat(rejected.statusCode()).isEqualTo(422);
            assertThat(JSON.readTree(rejected.body()).at("/error/code").asText()).isEqualTo("reload_failed");
            assertThat(gateway.gateway.reloadFailures()).isEqualTo(1);
            assertThat(admin.get("/metrics").body()).contains("mtls_proxy_reload_failures_total 1.0");
        }
    }

    @Test
    void postReloadCallsTheHook() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG)) {
            AtomicInteger calls = new AtomicInteger();
            CompletableFuture<ReloadOutcome> pending = new CompletableFuture<>();
            gateway.gateway.reloadHook(() -> {
                calls.incrementAndGet();
                return pending;
            });
            AdminClient admin = new AdminClient(gateway.gateway);
            // the hook completes later, on another thread: the answer waits for it
            CompletableFuture<HttpResponse<String>> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return admin.send("POST", "/reload");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            while (calls.get() == 0 && !answer.isDone()) {
                Thread.onSpinWait();
            }
            assertThat(answer).isNotDone();
            pending.complete(ReloadOutcome.applied("server certificate replaced"));
            HttpResponse<String> response = answer.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(response.body()).get("status").asText()).isEqualTo("applied");
            assertThat(JSON.readTree(response.body()).get("detail").asText()).isEqualTo("server certificate replaced");
            assertThat(calls).hasValue(1);

            gateway.gateway.reloadHook(() -> CompletableFuture.completedFuture(
                    ReloadOutcome.rejected("tls.certificate: not a PEM certificate")));
            HttpResponse<String> rejected = admin.send("POST", "/reload");
            assertThat(rejected.statusCode()).isEqualTo(422);
            assertThat(JSON.readTree(rejected.body()).at("/error/code").asText()).isEqualTo("reload_failed");
            assertThat(JSON.readTree(rejected.body()).at("/error/message").asText()).contains("tls.certificate");
        }
    }

    @Test
    void unknownPathsAndWrongMethodsGetJsonErrors() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG)) {
            AdminClient admin = new AdminClient(gateway.gateway);

            HttpResponse<String> missing = admin.get("/v1/secrets/fleet-wifi");
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(missing.body()).at("/error/code").asText()).isEqualTo("not_found");
            assertThat(missing.body()).doesNotContain("wifi-psk-value");

            HttpResponse<String> getReload = admin.get("/reload");
            assertThat(getReload.statusCode()).isEqualTo(405);
            assertThat(getReload.headers().firstValue("Allow")).hasValue("POST");
            assertThat(JSON.readTree(getReload.body()).at("/error/code").asText()).isEqualTo("method_not_allowed");

            HttpResponse<String> postMetrics = admin.send("POST", "/metrics");
            assertThat(postMetrics.statusCode()).isEqualTo(405);
            assertThat(postMetrics.headers().firstValue("Allow")).hasValue("GET");
        }
    }

    @Test
    void metricsAreInPrometheusTextFormat() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG)) {
            HttpResponse<String> metrics = new AdminClient(gateway.gateway).get("/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                    .startsWith("text/plain; version=0.0.4"));
            assertThat(metrics.body()).contains("# TYPE mtls_proxy_open_connections gauge")
                    .contains("jvm_memory_used_bytes");
        }
    }

    @Test
    void adminWithTlsRequiresAClientCertificate() throws Exception {
        String adminTls = """
                admin:
                  port: 0
                  tls: {certificate: server.pem, privateKey: server.key, trustAnchors: [ca.pem]}
                """;
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG + adminTls)) {
            int port = gateway.gateway.adminAddress().orElseThrow().getPort();
            try (TlsClient operator = TlsClient.connect(port, pki.root.certificate(), pki.client("operator"))) {
                TlsClient.Response health = operator.get("/healthz");
                assertThat(health.status()).isEqualTo(200);
                assertThat(operator.get("/metrics").body()).contains("mtls_proxy_open_connections");
            }
            Throwable anonymous = catchThrowable(() -> {
                try (TlsClient client = TlsClient.connect(port, pki.root.certificate(), null)) {
                    client.get("/healthz");
                }
            });
            assertThat(anonymous).isInstanceOf(SSLException.class);
            Throwable plain = catchThrowable(() -> new AdminClient(gateway.gateway).get("/healthz"));
            assertThat(plain).isNotNull();
        }
    }
}
