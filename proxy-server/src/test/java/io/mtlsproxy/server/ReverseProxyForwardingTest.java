package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests on a proxy route reach the upstream rewritten as a reverse proxy must, and come back as sent. */
class ReverseProxyForwardingTest {
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

    static String config(String routes) {
        return """
                access:
                  rules:
                    - {name: devices, match: {anyAuthenticated: true}, secrets: ["*"], routes: ["*"]}
                secrets:
                  backends: [{type: appsettings, values: {wifi-key: "psk-1"}}]
                proxy:
                  routes:
                """ + routes.indent(4);
    }

    private RunningGateway gatewayFor(String routeLines) throws Exception {
        return RunningGateway.start(dir, pki, config(routeLines));
    }

    private String appRoute(String extra) {
        return """
                - name: app
                  pathPrefix: /app
                  upstream: {targets: ["%s"]}
                """.formatted(upstream.url()) + extra;
    }

    @Test
    void forwardedRequestCarriesForwardedHeadersAndTheRequestId() throws Exception {
        upstream = UpstreamServer.http("a");
        try (RunningGateway gateway = gatewayFor(appRoute(""));
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.exchange("GET /app/items?id=7 HTTP/1.1\r\nHost: devices.example.com\r\n"
                    + "X-Forwarded-For: 203.0.113.9\r\n\r\n");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("hello from a");
            UpstreamServer.Received seen = upstream.last();
            assertThat(seen.uri()).isEqualTo("/app/items?id=7");
            assertThat(seen.headers().get("x-forwarded-for")).isEqualTo("203.0.113.9, 127.0.0.1");
            assertThat(seen.headers().get("x-forwarded-proto")).isEqualTo("https");
            assertThat(seen.headers().get("x-forwarded-host")).isEqualTo("devices.example.com");
            assertThat(seen.headers().get("host")).isEqualTo("127.0.0.1:" + upstream.port());
            assertThat(seen.headers().get("x-request-id")).isNotBlank().isEqualTo(response.header("x-request-id"));
        }
    }

    @Test
    void clientRequestIdIsPassedOn() throws Exception {
        upstream = UpstreamServer.http("a");
        try (RunningGateway gateway = gatewayFor(appRoute(""));
                TlsClient client = gateway.connect(device)) {
            client.exchange("GET /app HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-123\r\n\r\n");

            assertThat(upstream.last().headers().getAll("x-request-id")).containsExactly("abc-123");
        }
    }

    @Test
    void spoofedIdentityHeadersNeverReachTheUpstream() throws Exception {
        upstream = UpstreamServer.http("a");
        try (RunningGateway gateway = gatewayFor(appRoute(""));
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.exchange("GET /app HTTP/1.1\r\nHost: x\r\n"
                    + "X-Forwarded-Client-Cert: By=spiffe://x;Hash=00;Subject=\"CN=admin\"\r\n"
                    + "Client-Cert: :AAAA:\r\nClient-Cert-Chain: :AAAA:\r\nX-ARR-ClientCert: AAAA\r\n"
                    + "X-SSL-Client-Cert: AAAA\r\nX-Client-Subject: CN=admin\r\nx-client-thumbprint: 00\r\n"
                    + "X-Custom: kept\r\n\r\n");

            assertThat(response.status()).isEqualTo(200);
            assertThat(upstream.last().headers().names()).map(String::toLowerCase)
                    .doesNotContain("x-forwarded-client-cert", "client-cert", "client-cert-chain", "x-arr-clientcert",
                            "x-ssl-client-cert", "x-client-thumbprint")
                    .contains("x-custom");
            // the route's default identity headers are the gateway's own, never the device's copy
            assertThat(upstream.last().headers().getAll("x-client-subject"))
                    .containsExactly(device.certificate().getSubjectX500Principal().getName());
        }
    }

    @Test
    void hopByHopHeadersStayOnTheirHop() throws Exception {
        upstream = UpstreamServer.http("a");
        try (RunningGateway gateway = gatewayFor(appRoute(""));
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.exchange("GET /app HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, x-device-hop\r\n"
                    + "X-Device-Hop: private\r\nKeep-Alive: timeout=9\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\n"
                    + "TE: trailers\r\nUpgrade: h2c\r\n\r\n");

            assertThat(response.status()).isEqualTo(200);
            assertThat(upstream.last().headers().names()).map(String::toLowerCase)
                    .doesNotContain("x-device-hop", "keep-alive", "proxy-authorization", "te", "upgrade");
            // and the upstream's own hop-by-hop headers do not come back
            assertThat(response.headers()).doesNotContainKeys("x-upstream-hop", "keep-alive").containsKey("x-upstream");
        }
    }

    @Test
    void stripPrefixRemovesTheRoutePrefix() throws Exception {
        upstream = UpstreamServer.http("a");
        try (RunningGateway gateway = gatewayFor(appRoute("  stripPrefix: true\n"));
                TlsClient client = gateway.connect(device)) {
            client.exchange("GET /app/items?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(upstream.last().uri()).isEqualTo("/items?q=1");
            client.exchange("GET /app HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(upstream.last().uri()).isEqualTo("/");
        }
    }

    @Test
    void aPrefixTakesOnlyWholeSegmentsAndOtherPathsAreNotFound() throws Exception {
        upstream = UpstreamServer.http("a");
        try (RunningGateway gateway = gatewayFor(appRoute(""));
                TlsClient client = gateway.connect(device)) {
            assertThat(client.get("/apple").status()).isEqualTo(404);
            assertThat(client.get("/app/../v1/secrets/wifi-key").status()).isEqualTo(400);
            assertThat(client.get("/app/%2e%2e/x").status()).isEqualTo(400);
            assertThat(upstream.received()).isEmpty();
        }
    }

    @Test
    void hostBoundRouteWinsForItsHost() throws Exception {
        upstream = UpstreamServer.http("generic");
        try (UpstreamServer tenant = UpstreamServer.http("tenant");
                RunningGateway gateway = gatewayFor(appRoute("""
                        - name: tenant
                          pathPrefix: /app
                          host: tenant.example.com
                          upstream: {targets: ["%s"]}
                        """.formatted(tenant.url())));
                TlsClient client = gateway.connect(device)) {
            assertThat(client.exchange("GET /app HTTP/1.1\r\nHost: TENANT.example.com:8443\r\n\r\n").body())
                    .isEqualTo("hello from tenant");
            assertThat(client.exchange("GET /app HTTP/1.1\r\nHost: other.example.com\r\n\r\n").body())
                    .isEqualTo("hello from generic");
        }
    }

    @Test
    void pooledConnectionsAreReused() throws Exception {
        upstream = UpstreamServer.http("a");
        try (RunningGateway gateway = gatewayFor(appRoute(""));
                TlsClient client = gateway.connect(device)) {
            for (int i = 0; i < 5; i++) {
                assertThat(client.get("/app/" + i).status()).isEqualTo(200);
            }
            assertThat(upstream.received()).hasSize(5);
            assertThat(upstream.connectionsAccepted()).isEqualTo(1);
        }
    }

    @Test
    void roundRobinSpreadsRequestsOverTargets() throws Exception {
        upstream = UpstreamServer.http("a");
        try (UpstreamServer b = UpstreamServer.http("b");
                RunningGateway gateway = gatewayFor("""
                        - name: app
                          pathPrefix: /app
                          upstream: {targets: ["%s", "%s"]}
                        """.formatted(upstream.url(), b.url()));
                TlsClient client = gateway.connect(device)) {
            for (int i = 0; i < 6; i++) {
                assertThat(client.get("/app").status()).isEqualTo(200);
            }
            assertThat(upstream.received()).hasSize(3);
            assertThat(b.received()).hasSize(3);
        }
    }

    @Test
    void leastRequestsSpreadsSequentialRequestsToo() throws Exception {
        upstream = UpstreamServer.http("a");
        try (UpstreamServer b = UpstreamServer.http("b");
                RunningGateway gateway = gatewayFor("""
                        - name: app
                          pathPrefix: /app
                          upstream: {targets: ["%s", "%s"], balancing: least-requests}
                        """.formatted(upstream.url(), b.url()));
                TlsClient client = gateway.connect(device)) {
            for (int i = 0; i < 4; i++) {
                assertThat(client.get("/app").status()).isEqualTo(200);
            }
            assertThat(upstream.received()).hasSize(2);
            assertThat(b.received()).hasSize(2);
        }
    }

    @Test
    void chunkedBodiesPassBothWays() throws Exception {
        upstream = UpstreamServer.http("a");
        try (RunningGateway gateway = gatewayFor(appRoute(""));
                TlsClient client = gateway.connect(device)) {
            client.send("POST /app/sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            TlsClient.Response sunk = client.read();
            assertThat(sunk.body()).isEqualTo("received=11");
            assertThat(upstream.last().headers().get("transfer-encoding")).isEqualTo("chunked");

            client.send("GET /app/chunked HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(ChunkedReader.readChunked(client)).isEqualTo("one,two,three");
        }
    }

    @Test
    void headAndNoContentAnswersHaveNoBodyAndTheConnectionGoesOn() throws Exception {
        upstream = UpstreamServer.http("a");
        try (RunningGateway gateway = gatewayFor(appRoute(""));
                TlsClient client = gateway.connect(device)) {
            client.send("HEAD /app HTTP/1.1\r\nHost: x\r\n\r\n");
            java.util.Map<String, String> head = ChunkedReader.readHead(client, 200);
            assertThat(head.get("content-length")).isEqualTo("12");
            // no body follows the HEAD answer: the next answer starts right after its head
            TlsClient.Response noContent = client.exchange("GET /app/no-content HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(noContent.status()).isEqualTo(204);
            assertThat(client.get("/app").body()).isEqualTo("hello from a");
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderAcrossRouteKinds() throws Exception {
        upstream = UpstreamServer.http("a");
        try (RunningGateway gateway = gatewayFor(appRoute(""));
                TlsClient client = gateway.connect(device)) {
            client.send("GET /app/1 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /v1/secrets/wifi-key HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /app/sink HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                    + "GET /app/2 HTTP/1.1\r\nHost: x\r\n\r\n");

            assertThat(client.read().body()).isEqualTo("hello from a");
            assertThat(client.read().body()).contains("\"value\":\"psk-1\"");
            assertThat(client.read().body()).isEqualTo("received=3");
            assertThat(client.read().body()).isEqualTo("hello from a");
            assertThat(upstream.received()).extracting(UpstreamServer.Received::uri)
                    .containsExactly("/app/1", "/app/sink", "/app/2");
        }
    }

    @Test
    void connectionCloseFromTheDeviceIsHonoured() throws Exception {
        upstream = UpstreamServer.http("a");
        try (RunningGateway gateway = gatewayFor(appRoute(""));
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.exchange("GET /app HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("connection")).isEqualTo("close");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void eachProxiedRequestIsAuditedWithRouteAndStatus() throws Exception {
        upstream = UpstreamServer.http("a");
        try (RunningGateway gateway = gatewayFor(appRoute(""));
                TlsClient client = gateway.connect(device)) {
            client.exchange("GET /app HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer not-for-the-audit\r\n\r\n");

            Eventually.await("the audit line", () -> !gateway.auditEvents().isEmpty());
            AuditEvent event = gateway.auditEvents().get(0);
            assertThat(event.secretName()).isEqualTo("route:app");
            assertThat(event.outcome()).isEqualTo(AuditEvent.Outcome.ALLOW);
            assertThat(event.reason()).isEqualTo("devices");
            assertThat(event.status()).isEqualTo(200);
            assertThat(event.backend()).isEqualTo("http://127.0.0.1:" + upstream.port());
            assertThat(event.subject()).contains("CN=device-1");
            assertThat(event.toString()).doesNotContain("not-for-the-audit");
        }
    }
}
