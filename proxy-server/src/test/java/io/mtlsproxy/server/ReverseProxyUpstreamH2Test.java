package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routes with {@code upstream.protocol: h2}: requests go out as streams of shared HTTP/2
 * connections (h2c by prior knowledge, or h2 by ALPN over TLS, HTTP/1.1 when the server picks it),
 * with the same headers, errors, timeouts and retries as over HTTP/1.1.
 */
class ReverseProxyUpstreamH2Test {
    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate device = pki.client("device-1");
    private final IssuedCertificate upstreamRoot = CertificateBuilder.ca("CN=Upstream Root,O=mtls-proxy tests").selfSigned();
    private UpstreamServer upstream;

    @AfterEach
    void stopUpstream() {
        if (upstream != null) {
            upstream.close();
        }
    }

    private RunningGateway start(String targets, String more) throws Exception {
        return RunningGateway.start(dir, pki, ReverseProxyForwardingTest.config("""
                - name: app
                  pathPrefix: /app
                  upstream:
                    targets: [%s]
                    protocol: h2
                """.formatted(targets) + more.indent(4)));
    }

    private UpstreamServer alpnUpstream(String... protocols) throws Exception {
        IssuedCertificate serverCertificate = CertificateBuilder.server("CN=app.internal")
                .dns("app.internal").ip("127.0.0.1").signedBy(upstreamRoot);
        Files.writeString(dir.resolve("upstream-ca.pem"), upstreamRoot.certificatePem());
        return UpstreamServer.alpn("secure", serverCertificate, protocols);
    }

    private static Http2Client.Response await(CompletableFuture<Http2Client.Response> response) throws Exception {
        return response.get(10, TimeUnit.SECONDS);
    }

    @Test
    void getAndPostReachAnH2cUpstreamWithTheForwardedAndIdentityHeaders() throws Exception {
        upstream = UpstreamServer.h2c("h2c", 0);
        try (RunningGateway gateway = start("\"" + upstream.url() + "\"", "");
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response got = client.exchange("GET /app/items?id=7 HTTP/1.1\r\nHost: devices.example.com\r\n"
                    + "Connection: keep-alive, x-hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers, deflate\r\n"
                    + "X-Forwarded-For: 203.0.113.9\r\n\r\n");

            assertThat(got.status()).isEqualTo(200);
            assertThat(got.body()).isEqualTo("hello from h2c");
            assertThat(got.header("x-request-id")).isNotBlank();
            // the upstream's hop-by-hop headers and Netty's x-http2-* conversion headers stay behind
            assertThat(got.headers().keySet()).map(String::toLowerCase)
                    .doesNotContain("x-upstream-hop", "keep-alive").noneMatch(n -> n.startsWith("x-http2-"));
            UpstreamServer.Received received = upstream.last();
            assertThat(received.uri()).isEqualTo("/app/items?id=7");
            assertThat(received.headers().get("x-request-id")).isEqualTo(got.header("x-request-id"));
            assertThat(received.headers().get("x-forwarded-for")).isEqualTo("203.0.113.9, 127.0.0.1");
            assertThat(received.headers().get("x-forwarded-proto")).isEqualTo("https");
            assertThat(received.headers().get("x-forwarded-host")).isEqualTo("devices.example.com");
            assertThat(received.headers().get("x-client-subject")).contains("CN=device-1");
            assertThat(received.headers().get("host")).isEqualTo("127.0.0.1:" + upstream.port());
            // no connection-specific header on the wire (a server would refuse the stream), the rest as pseudo-headers
            assertThat(upstream.wireHeaders().get(0))
                    .doesNotContain("connection", "keep-alive", "x-hop", "te", "transfer-encoding", "upgrade", "host")
                    .contains(":method", ":path", ":scheme", ":authority");

            TlsClient.Response posted = client.exchange("POST /app/sink HTTP/1.1\r\nHost: x\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n");
            assertThat(posted.body()).isEqualTo("received=12");
            assertThat(client.get("/app/no-content").status()).isEqualTo(204);
            client.send("GET /app/chunked HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(ChunkedReader.readChunked(client)).isEqualTo("one,two,three");
            // one connection carried them all, a stream each
            assertThat(upstream.connectionsAccepted()).isEqualTo(1);
            assertThat(upstream.streamsOpened()).isEqualTo(4);
        }
    }

    @Test
    void concurrentRequestsShareOneConnectionAsSeparateStreams() throws Exception {
        upstream = UpstreamServer.h2c("h2c", 0);
        try (RunningGateway gateway = start("\"" + upstream.url() + "\"", "");
                Http2Client client = Http2Client.connect(gateway.port(), pki.root.certificate(), device)) {
            // answered only once all three wait at the upstream at the same time
            List<CompletableFuture<Http2Client.Response>> gated =
                    client.getAll(List.of("/app/gate?n=3", "/app/gate?n=3", "/app/gate?n=3"));

            for (CompletableFuture<Http2Client.Response> response : gated) {
                assertThat(await(response).body()).isEqualTo("gated");
            }
            assertThat(upstream.connectionsAccepted()).isEqualTo(1);
            assertThat(upstream.streamsOpened()).isEqualTo(3);
        }
    }

    @Test
    void aFullConnectionMakesTheGatewayOpenAnother() throws Exception {
        upstream = UpstreamServer.h2c("h2c", 2); // SETTINGS_MAX_CONCURRENT_STREAMS 2
        try (RunningGateway gateway = start("\"" + upstream.url() + "\"", "");
                Http2Client client = Http2Client.connect(gateway.port(), pki.root.certificate(), device)) {
            List<CompletableFuture<Http2Client.Response>> gated =
                    client.getAll(List.of("/app/gate?n=3", "/app/gate?n=3", "/app/gate?n=3"));

            for (CompletableFuture<Http2Client.Response> response : gated) {
                assertThat(await(response).body()).isEqualTo("gated");
            }
            assertThat(upstream.connectionsAccepted()).isEqualTo(2);
            assertThat(upstream.streamsOpened()).isEqualTo(3);
        }
    }

    @Test
    void httpsTargetsNegotiateH2ByAlpn() throws Exception {
        upstream = alpnUpstream("h2", "http/1.1");
        try (RunningGateway gateway = start("\"" + upstream.httpsUrl() + "\"", "tls: {trustedCa: upstream-ca.pem}");
                TlsClient client = gateway.connect(device)) {
            assertThat(client.get("/app/one").body()).isEqualTo("hello from secure");
            assertThat(client.get("/app/two").body()).isEqualTo("hello from secure");

            assertThat(upstream.streamsOpened()).isEqualTo(2);
            assertThat(upstream.connectionsAccepted()).isEqualTo(1);
            assertThat(upstream.last().headers().get("x-forwarded-proto")).isEqualTo("https");
        }
    }

    @Test
    void anUpstreamWhoseAlpnPicksHttp11IsSpokenToInHttp11() throws Exception {
        upstream = alpnUpstream("http/1.1");
        try (RunningGateway gateway = start("\"" + upstream.httpsUrl() + "\"", "tls: {trustedCa: upstream-ca.pem}");
                TlsClient client = gateway.connect(device)) {
            assertThat(client.get("/app/one").body()).isEqualTo("hello from secure");
            assertThat(client.exchange("POST /app/sink HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi").body())
                    .isEqualTo("received=2");

            assertThat(upstream.streamsOpened()).isZero();
            // the fallen-back connection is kept alive like any HTTP/1.1 one
            assertThat(upstream.connectionsAccepted()).isEqualTo(1);
        }
    }

    @Test
    void upstreamDownIsA502() throws Exception {
        int down = ReverseProxyFailureTest.refusedPort();
        try (RunningGateway gateway = start("\"http://127.0.0.1:" + down + "\"", "");
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.get("/app");

            assertThat(response.status()).isEqualTo(502);
            assertThat(response.body()).contains("\"code\":\"upstream_unavailable\"");
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
        }
    }

    @Test
    void anH2cUpstreamThatNeverSendsItsSettingsIsA504WithinTheConnectTimeout() throws Exception {
        // the kernel accepts the connection into the backlog; nobody ever answers the preface
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress());
                RunningGateway gateway = start("\"http://127.0.0.1:" + silent.getLocalPort() + "\"",
                        "timeouts: {connect: 300ms}");
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.get("/app");

            assertThat(response.status()).isEqualTo(504);
            assertThat(response.body()).contains("\"code\":\"upstream_timeout\"");
        }
    }

    @Test
    void slowUpstreamIsA504AndItsConnectionGoesOnForOtherStreams() throws Exception {
        upstream = UpstreamServer.h2c("h2c", 0);
        try (RunningGateway gateway = start("\"" + upstream.url() + "\"", "timeouts: {responseHeader: 200ms}");
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.get("/app/slow");

            assertThat(response.status()).isEqualTo(504);
            assertThat(response.body()).contains("\"code\":\"upstream_timeout\"");
            assertThat(client.get("/app").body()).isEqualTo("hello from h2c");
            // only the slow stream was given up
            assertThat(upstream.connectionsAccepted()).isEqualTo(1);
        }
    }

    @Test
    void aStreamIdleForTheIdleTimeoutIsA504() throws Exception {
        upstream = UpstreamServer.h2c("h2c", 0);
        try (RunningGateway gateway = start("\"" + upstream.url() + "\"", "timeouts: {idle: 200ms}");
                TlsClient client = gateway.connect(device)) {
            assertThat(client.get("/app/slow").status()).isEqualTo(504);
        }
    }

    @Test
    void aConnectionLeftWithoutStreamsClosesAfterTheIdleTimeout() throws Exception {
        upstream = UpstreamServer.h2c("h2c", 0);
        try (RunningGateway gateway = start("\"" + upstream.url() + "\"", "timeouts: {idle: 300ms}");
                TlsClient client = gateway.connect(device)) {
            assertThat(client.get("/app").status()).isEqualTo(200);

            Eventually.await("the idle h2 connection closed", () -> upstream.openConnections() == 0);
            assertThat(client.get("/app").status()).isEqualTo(200);
            assertThat(upstream.connectionsAccepted()).isEqualTo(2);
        }
    }

    @Test
    void withNoIdleConnectionsAllowedAConnectionClosesWithItsLastStream() throws Exception {
        upstream = UpstreamServer.h2c("h2c", 0);
        try (RunningGateway gateway = start("\"" + upstream.url() + "\"", "pool: {maxIdlePerTarget: 0}");
                TlsClient client = gateway.connect(device)) {
            assertThat(client.get("/app").status()).isEqualTo(200);

            Eventually.await("the h2 connection closed with its stream", () -> upstream.openConnections() == 0);
        }
    }

    @Test
    void aGetTheUpstreamDidNotProcessBeforeItsGoAwayIsRetriedOnANewConnection() throws Exception {
        upstream = UpstreamServer.h2c("h2c", 0);
        upstream.goAwayOn(1);
        try (RunningGateway gateway = start("\"" + upstream.url() + "\"", "retries: 1");
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.get("/app/goaway");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("hello from h2c");
            // the connection that sent GOAWAY is not used again
            assertThat(upstream.connectionsAccepted()).isEqualTo(2);
            assertThat(client.get("/app").status()).isEqualTo(200);
            assertThat(upstream.connectionsAccepted()).isEqualTo(2);
            Eventually.await("the refusing connection closed", () -> upstream.openConnections() == 1);
        }
    }

    @Test
    void aRefusedStreamIsRetriedAndItsConnectionGoesOn() throws Exception {
        upstream = UpstreamServer.h2c("h2c", 0);
        upstream.goAwayOn(1);
        try (RunningGateway gateway = start("\"" + upstream.url() + "\"", "retries: 1");
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.get("/app/refuse");

            assertThat(response.status()).isEqualTo(200);
            assertThat(upstream.received()).hasSize(2);
            // a refused stream says nothing against its connection
            assertThat(upstream.connectionsAccepted()).isEqualTo(1);
        }
    }

    @Test
    void aPostTheUpstreamDidNotProcessIsA502() throws Exception {
        upstream = UpstreamServer.h2c("h2c", 0);
        upstream.goAwayOn(1);
        try (RunningGateway gateway = start("\"" + upstream.url() + "\"", "retries: 1");
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.exchange("POST /app/goaway HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");

            assertThat(response.status()).isEqualTo(502);
            assertThat(response.body()).contains("\"code\":\"upstream_unavailable\"");
            assertThat(upstream.received()).hasSize(1);
        }
    }

    @Test
    void aWebSocketUpgradeOnAnH2RouteIsRefusedWithTheJsonError() throws Exception {
        upstream = UpstreamServer.h2c("h2c", 0);
        try (RunningGateway gateway = start("\"" + upstream.url() + "\"", "");
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.exchange("GET /app/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");

            assertThat(response.status()).isEqualTo(501);
            assertThat(response.body()).contains("\"code\":\"upgrade_not_supported\"");
            assertThat(upstream.received()).isEmpty();
            assertThat(client.get("/app").status()).isEqualTo(200);
        }
    }
}
