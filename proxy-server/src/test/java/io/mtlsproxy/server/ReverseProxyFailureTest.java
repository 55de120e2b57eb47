package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.pki.IssuedCertificate;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a device sees when an upstream is down, slow or breaks: JSON errors before a response, a closed connection after. */
class ReverseProxyFailureTest {
    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate device = pki.client("device-1");
    private UpstreamServer upstream;

    @AfterEach
    void stopUpstream() {
        if (upstream != null) {
            upstream.close();
        }
    }

    /** A port nothing listens on: connections to it are refused. */
    static int refusedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private RunningGateway start(String routes) throws Exception {
        return RunningGateway.start(dir, pki, ReverseProxyForwardingTest.config(routes));
    }

    @Test
    void upstreamDownIsA502WithTheJsonError() throws Exception {
        int down = refusedPort();
        try (RunningGateway gateway = start("""
                - name: app
                  pathPrefix: /app
                  upstream: {targets: ["http://127.0.0.1:%d"]}
                """.formatted(down));
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.get("/app");

            assertThat(response.status()).isEqualTo(502);
            assertThat(response.header("content-type")).startsWith("application/json");
            assertThat(response.body()).contains("\"code\":\"upstream_unavailable\"")
                    .contains("\"requestId\":\"" + response.header("x-request-id") + "\"");
            // the connection goes on: the error was the gateway's, not the device's
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
        }
    }

    @Test
    void upstreamSlowToAnswerIsA504WithTheJsonError() throws Exception {
        upstream = UpstreamServer.http("slow");
        try (RunningGateway gateway = start("""
                - name: app
                  pathPrefix: /app
                  upstream: {targets: ["%s"], timeouts: {responseHeader: 200ms}}
                """.formatted(upstream.url()));
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.get("/app/slow");

            assertThat(response.status()).isEqualTo(504);
            assertThat(response.body()).contains("\"code\":\"upstream_timeout\"");
            assertThat(client.get("/app").body()).isEqualTo("hello from slow");
        }
    }

    @Test
    void upstreamIdleMidExchangeIsA504BeforeAnyResponse() throws Exception {
        upstream = UpstreamServer.http("slow");
        try (RunningGateway gateway = start("""
                - name: app
                  pathPrefix: /app
                  upstream: {targets: ["%s"], timeouts: {idle: 200ms}}
                """.formatted(upstream.url()));
                TlsClient client = gateway.connect(device)) {
            assertThat(client.get("/app/slow").status()).isEqualTo(504);
        }
    }

    @Test
    void getIsRetriedOnAnotherTargetWhenAConnectFails() throws Exception {
        upstream = UpstreamServer.http("live");
        int down = refusedPort();
        try (RunningGateway gateway = start("""
                - name: app
                  pathPrefix: /app
                  upstream: {targets: ["http://127.0.0.1:%d", "%s"], retries: 1, health: {ejectAfter: 0}}
                """.formatted(down, upstream.url()));
                TlsClient client = gateway.connect(device)) {
            // round-robin starts with the first target, which refuses: the GET goes on to the second
            TlsClient.Response response = client.get("/app");

            assertThat(response.status()).isEqualTo(200);
            assertThat(upstream.received()).hasSize(1);
        }
    }

    @Test
    void postIsNotRetried() throws Exception {
        upstream = UpstreamServer.http("live");
        int down = refusedPort();
        try (RunningGateway gateway = start("""
                - name: app
                  pathPrefix: /app
                  upstream: {targets: ["http://127.0.0.1:%d", "%s"], retries: 1, health: {ejectAfter: 0}}
                """.formatted(down, upstream.url()));
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.exchange("POST /app/sink HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");

            assertThat(response.status()).isEqualTo(502);
            assertThat(upstream.received()).isEmpty();
        }
    }

    @Test
    void anEjectedTargetIsSkippedUntilItsEjectionEnds() throws Exception {
        FakeTicker time = new FakeTicker();
        upstream = UpstreamServer.http("b");
        int port = refusedPort();
        String routes = """
                - name: app
                  pathPrefix: /app
                  upstream: {targets: ["http://127.0.0.1:%d", "%s"], retries: 1, health: {ejectAfter: 1, ejectFor: 30s}}
                """.formatted(port, upstream.url());
        try (RunningGateway gateway = RunningGateway.start(dir, pki, "", ReverseProxyForwardingTest.config(routes), Map.of(),
                CertificateChecks.EntraCheckFactory.FROM_CONFIG, time);
                TlsClient client = gateway.connect(device)) {
            assertThat(client.get("/app").status()).isEqualTo(200); // the first target refused once: ejected
            try (UpstreamServer back = UpstreamServer.http("a", port)) {
                for (int i = 0; i < 4; i++) {
                    assertThat(client.get("/app").body()).isEqualTo("hello from b");
                }
                assertThat(back.connectionsAccepted()).isZero();

                time.advance(Duration.ofSeconds(31));
                assertThat(client.get("/app").body()).isEqualTo("hello from a");
                assertThat(client.get("/app").body()).isEqualTo("hello from b");
            }
        }
    }

    @Test
    void upstreamClosingMidResponseClosesTheDeviceConnection() throws Exception {
        upstream = UpstreamServer.http("a");
        try (RunningGateway gateway = start("""
                - name: app
                  pathPrefix: /app
                  upstream: {targets: ["%s"]}
                """.formatted(upstream.url()));
                TlsClient client = gateway.connect(device)) {
            client.send("GET /app/close HTTP/1.1\r\nHost: x\r\n\r\n");
            Map<String, String> head = ChunkedReader.readHead(client, 200);
            assertThat(head.get("content-length")).isEqualTo("1000");
            byte[] partial = client.socket().getInputStream().readNBytes(7);
            assertThat(new String(partial, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("partial");

            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void aDeviceLeavingMidExchangeEndsItAndIsAudited() throws Exception {
        upstream = UpstreamServer.http("slow");
        try (RunningGateway gateway = start("""
                - name: app
                  pathPrefix: /app
                  upstream: {targets: ["%s"]}
                """.formatted(upstream.url()))) {
            try (TlsClient client = gateway.connect(device)) {
                client.send("GET /app/slow HTTP/1.1\r\nHost: x\r\n\r\n");
                Eventually.await("the request upstream", () -> !upstream.received().isEmpty());
            }
            Eventually.await("the audit line", () -> !gateway.auditEvents().isEmpty());
            assertThat(gateway.auditEvents().get(0).reason()).isEqualTo("devices/device_closed");
            assertThat(gateway.auditEvents().get(0).status()).isZero();
            // the upstream connection of the abandoned exchange is closed, not pooled
            Eventually.await("the upstream connection closed", () -> upstream.openConnections() == 0);
        }
    }

    @Test
    void aPooledConnectionTheUpstreamClosedIsReplacedWithoutAnError() throws Exception {
        upstream = UpstreamServer.http("a");
        try (RunningGateway gateway = start("""
                - name: app
                  pathPrefix: /app
                  upstream: {targets: ["%s"]}
                """.formatted(upstream.url()));
                TlsClient client = gateway.connect(device)) {
            // the upstream closes after answering a request that asked it to
            assertThat(client.exchange("GET /app HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
            upstream.closeConnections();
            assertThat(client.get("/app").status()).isEqualTo(200);
            assertThat(upstream.connectionsAccepted()).isEqualTo(2);
        }
    }
}
