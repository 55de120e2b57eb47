package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP/2 on the device listener: ALPN h2, many streams on one pinned identity, errors per stream. */
class Http2GatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate deviceA = pki.client("device-a");

    @BeforeEach
    void secretFiles() throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(secrets.resolve("device-device-a"), "a-only\n");
        Files.writeString(secrets.resolve("device-device-b"), "b-only\n");
        for (int i = 0; i < 8; i++) {
            Files.writeString(secrets.resolve("fleet-" + i), "fleet-value-" + i + "\n");
        }
    }

    private RunningGateway start(String listenerLines) throws Exception {
        return RunningGateway.start(dir, pki, """
                  maxUriLength: 256
                  maxHeaderSize: 1024
                  maxBodySize: 100
                %s""".formatted(listenerLines), """
                access:
                  rules:
                    - name: own-secret
                      match: {issuer: ["CN=test root, O=MTLS-PROXY tests"]}
                      secrets: ["device-{cn}", "fleet-*"]
                secrets:
                  backends:
                    - type: file
                      name: files
                      directory: secrets
                """, Map.of());
    }

    private static Http2Client.Response await(CompletableFuture<Http2Client.Response> response) throws Exception {
        return response.get(10, TimeUnit.SECONDS);
    }

    @Test
    void concurrentStreamsShareTheConnectionsOneIdentity() throws Exception {
        try (RunningGateway gateway = start(""); Http2Client client = Http2Client.connect(gateway.port(), pki.root.certificate(), deviceA)) {
            assertThat(client.protocol()).isEqualTo("h2");
            List<String> paths = IntStream.range(0, 8).mapToObj(i -> "/v1/secrets/fleet-" + i).toList();
            List<CompletableFuture<Http2Client.Response>> responses = client.getAll(paths);
            for (int i = 0; i < paths.size(); i++) {
                Http2Client.Response response = await(responses.get(i));
                assertThat(response.status()).isEqualTo(200);
                JsonNode body = JSON.readTree(response.body());
                assertThat(body.get("name").asText()).isEqualTo("fleet-" + i);
                assertThat(body.get("value").asText()).isEqualTo("fleet-value-" + i);
                assertThat(response.header("cache-control")).isEqualTo("no-store");
                assertThat(response.header("connection")).isNull(); // connection-specific headers have no place in h2
            }
            assertThat(gateway.auditEvents()).hasSize(8).allSatisfy(event -> {
                assertThat(event.subject()).contains("CN=device-a");
                assertThat(event.sha256()).isEqualTo(gateway.auditEvents().get(0).sha256());
                assertThat(event.outcome()).isEqualTo(AuditEvent.Outcome.ALLOW);
            });
            AdminClient.Scrape scrape = new AdminClient(gateway.gateway).scrape();
            assertThat(scrape.value("mtls_proxy_handshakes_total", "outcome", "completed")).as("one handshake").isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_requests_total", "route", "api", "status", "200")).isEqualTo(8);
            assertThat(client.isOpen()).isTrue();
        }
    }

    @Test
    void aDeniedSecretOnOneStreamLeavesTheOthersAlone() throws Exception {
        try (RunningGateway gateway = start(""); Http2Client client = Http2Client.connect(gateway.port(), pki.root.certificate(), deviceA)) {
            CompletableFuture<Http2Client.Response> own = client.get("/v1/secrets/device-device-a");
            CompletableFuture<Http2Client.Response> other = client.get("/v1/secrets/device-device-b");
            CompletableFuture<Http2Client.Response> fleet = client.get("/v1/secrets/fleet-1");
            assertThat(await(other).status()).isEqualTo(403);
            assertThat(JSON.readTree(await(other).body()).get("error").get("code").asText()).isEqualTo("forbidden");
            assertThat(await(own).status()).isEqualTo(200);
            assertThat(await(fleet).status()).isEqualTo(200);
            // and the connection still serves new streams
            assertThat(await(client.get("/v1/secrets/fleet-2")).status()).isEqualTo(200);
            assertThat(gateway.auditEvents()).filteredOn(e -> e.outcome() == AuditEvent.Outcome.DENY)
                    .singleElement().satisfies(e -> assertThat(e.secretName()).isEqualTo("device-device-b"));
        }
    }

    @Test
    void http1OnlyClientStillGetsHttp1() throws Exception {
        try (RunningGateway gateway = start(""); TlsClient client = gateway.connect(deviceA)) {
            TlsClient.Response response = client.get("/v1/secrets/device-device-a");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).contains("a-only");
            assertThat(client.socket().getApplicationProtocol()).isEmpty(); // offered none, got none
        }
    }

    @Test
    void http2OffMakesAlpnPickHttp1() throws Exception {
        try (RunningGateway gateway = start("  http2: false\n");
                Http2Client client = Http2Client.connect(gateway.port(), pki.root.certificate(), deviceA)) {
            assertThat(client.protocol()).isEqualTo("http/1.1");
        }
    }

    @Test
    void tooLongUriGets414OnItsStreamOnly() throws Exception {
        try (RunningGateway gateway = start(""); Http2Client client = Http2Client.connect(gateway.port(), pki.root.certificate(), deviceA)) {
            Http2Client.Response tooLong = await(client.get("/v1/secrets/" + "a".repeat(300)));
            assertThat(tooLong.status()).isEqualTo(414);
            assertThat(JSON.readTree(tooLong.body()).get("error").get("code").asText()).isEqualTo("uri_too_long");
            assertThat(await(client.get("/v1/secrets/fleet-3")).status()).isEqualTo(200);
        }
    }

    @Test
    void oversizedHeadersGet431OnTheirStreamOnly() throws Exception {
        try (RunningGateway gateway = start(""); Http2Client client = Http2Client.connect(gateway.port(), pki.root.certificate(), deviceA)) {
            Http2Headers big = Http2Client.headers("GET", "/v1/secrets/fleet-4").add("x-padding", "p".repeat(1100));
            Http2Client.Response refused = await(client.send(big, null));
            assertThat(refused.status()).isEqualTo(431);
            assertThat(await(client.get("/v1/secrets/fleet-4")).status()).isEqualTo(200);
            assertThat(client.isOpen()).isTrue();
        }
    }

    @Test
    void malformedHeaderResetsItsStreamOnly() throws Exception {
        try (RunningGateway gateway = start(""); Http2Client client = Http2Client.connect(gateway.port(), pki.root.certificate(), deviceA)) {
            // connection-specific headers are malformed in HTTP/2 (RFC 9113 8.2.2)
            Http2Headers malformed = Http2Client.headers("GET", "/v1/secrets/fleet-5").add("connection", "keep-alive");
            Http2Client.Response reset = await(client.send(malformed, null));
            assertThat(reset.status()).isZero();
            assertThat(reset.resetCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            assertThat(await(client.get("/v1/secrets/fleet-5")).status()).isEqualTo(200);
            assertThat(gateway.auditEvents()).hasSize(1);
        }
    }

    @Test
    void tooLargeBodyGets413OnItsStreamOnly() throws Exception {
        try (RunningGateway gateway = start(""); Http2Client client = Http2Client.connect(gateway.port(), pki.root.certificate(), deviceA)) {
            Http2Client.Response tooLarge = await(client.send(Http2Client.headers("GET", "/v1/secrets/fleet-6"), "b".repeat(200)));
            assertThat(tooLarge.status()).isEqualTo(413);
            assertThat(JSON.readTree(tooLarge.body()).get("error").get("code").asText()).isEqualTo("body_too_large");
            assertThat(await(client.get("/v1/secrets/fleet-6")).status()).isEqualTo(200);
        }
    }
}
