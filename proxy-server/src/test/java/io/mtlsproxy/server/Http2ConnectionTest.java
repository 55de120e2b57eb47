package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.backends.SecretBackend;
import io.mtlsproxy.backends.SecretBackends;
import io.mtlsproxy.backends.SecretRef;
import io.mtlsproxy.backends.SecretValue;
import io.mtlsproxy.core.config.CacheConfig;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.server.limits.ConnectionRefusals;
import io.netty.handler.codec.http2.Http2Error;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An HTTP/2 connection's life: stop with GOAWAY, idle close, per-stream timeouts and limits, the JDK's TLS. */
class Http2ConnectionTest {
    private static final String ACCESS = """
            access:
              rules:
                - name: fleet
                  match: {issuer: ["CN=Test Root, O=mtls-proxy tests"]}
                  secrets: ["fleet-*"]
            """;
    private static final String FILES = ACCESS + """
            secrets:
              backends:
                - type: file
                  name: files
                  directory: secrets
            """;

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate device = pki.client("device-1");

    private RunningGateway startWithFiles(String listenerLines, String more) throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(secrets.resolve("fleet-wifi"), "wifi-psk\n");
        return RunningGateway.start(dir, pki, listenerLines, FILES + more, Map.of());
    }

    private Http2Client connect(RunningGateway gateway) throws Exception {
        Http2Client client = Http2Client.connect(gateway.port(), pki.root.certificate(), device);
        assertThat(client.protocol()).isEqualTo("h2");
        return client;
    }

    @Test
    void stopSendsGoAwayAndTheStreamInFlightFinishes() throws Exception {
        HeldBackend backend = new HeldBackend();
        ExecutorService io = Executors.newSingleThreadExecutor();
        ExecutorService stopper = Executors.newSingleThreadExecutor();
        RunningGateway gateway = RunningGateway.start(dir, pki, ACCESS,
                SecretBackends.of(List.of(backend), CacheConfig.defaults(), io, Ticker.systemTicker()));
        try (Http2Client client = connect(gateway)) {
            CompletableFuture<Http2Client.Response> slow = client.get("/v1/secrets/fleet-slow");
            assertThat(backend.asked.await(10, TimeUnit.SECONDS)).isTrue();

            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> gateway.gateway.stop(Duration.ofSeconds(30)), stopper);
            assertThat(client.goAway.get(10, TimeUnit.SECONDS)).isEqualTo(Http2Error.NO_ERROR.code());
            assertThat(stopped).isNotDone();

            backend.answer.complete("finally");
            Http2Client.Response response = slow.get(10, TimeUnit.SECONDS);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).contains("finally");
            stopped.get(10, TimeUnit.SECONDS);
            assertThat(client.closeFuture().await(10, TimeUnit.SECONDS)).as("closed once its stream is done").isTrue();
        } finally {
            stopper.shutdownNow();
            gateway.close();
            io.shutdownNow();
        }
    }

    @Test
    void idleConnectionIsClosed() throws Exception {
        try (RunningGateway gateway = startWithFiles("  idleTimeout: 300ms", ""); Http2Client client = connect(gateway)) {
            assertThat(client.get("/v1/secrets/fleet-wifi").get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(client.closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(client.goAway).isCompletedWithValue(Http2Error.NO_ERROR.code());
        }
    }

    @Test
    void aStreamWhoseBodyNeverEndsIsResetAndTheConnectionGoesOn() throws Exception {
        try (RunningGateway gateway = startWithFiles("  requestHeadTimeout: 300ms", ""); Http2Client client = connect(gateway)) {
            CompletableFuture<Http2Client.Response> stuck = client.sendUnfinished(
                    Http2Client.headers("POST", "/v1/secrets/fleet-wifi"));
            Http2Client.Response reset = stuck.get(10, TimeUnit.SECONDS);
            assertThat(reset.status()).isZero();
            assertThat(reset.resetCode()).isEqualTo(Http2Error.CANCEL.code());
            assertThat(gateway.gateway.limits().refusals().count(ConnectionRefusals.Cause.REQUEST_HEAD_TIMEOUT)).isEqualTo(1);
            assertThat(client.get("/v1/secrets/fleet-wifi").get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(client.isOpen()).isTrue();
        }
    }

    @Test
    void aHeaderBlockTrickledOverContinuationFramesClosesTheConnection() throws Exception {
        try (RunningGateway gateway = startWithFiles("  requestHeadTimeout: 300ms", ""); Http2Client client = connect(gateway)) {
            // HEADERS on stream 1 without END_HEADERS, holding ":method GET" (HPACK index 2); the CONTINUATION never comes
            client.writeRawFrames(new byte[] {0, 0, 1, 0x1, 0, 0, 0, 0, 1, (byte) 0x82});
            assertThat(client.closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(gateway.gateway.limits().refusals().count(ConnectionRefusals.Cause.REQUEST_HEAD_TIMEOUT)).isEqualTo(1);
            assertThat(gateway.auditEvents()).isEmpty();
        }
    }

    @Test
    void rateLimitsCountEachStreamAsARequest() throws Exception {
        try (RunningGateway gateway = startWithFiles("", """
                limits:
                  perIdentity: {rate: 0.001, burst: 2}
                """); Http2Client client = connect(gateway)) {
            List<CompletableFuture<Http2Client.Response>> responses = client.getAll(
                    List.of("/v1/secrets/fleet-wifi", "/v1/secrets/fleet-wifi", "/v1/secrets/fleet-wifi", "/v1/secrets/fleet-wifi"));
            List<Integer> statuses = responses.stream().map(r -> r.join().status()).sorted().toList();
            assertThat(statuses).containsExactly(200, 200, 429, 429);
            assertThat(gateway.auditEvents()).hasSize(4);
        }
    }

    @Test
    void streamsBehindATrustedBalancerCarryTheProxyHeadersClientAddress() throws Exception {
        try (RunningGateway gateway = startWithFiles("""
                  proxyProtocol: v2
                  trustedProxies: [127.0.0.2/32]
                """, "");
                Http2Client client = Http2Client.connect(gateway.port(), pki.root.certificate(), device, "127.0.0.2",
                        ProxyProtocolTest.v2Header(1, "203.0.113.7", 5000, "192.0.2.1", 8443))) {
            assertThat(client.protocol()).isEqualTo("h2");
            List<CompletableFuture<Http2Client.Response>> responses = client.getAll(
                    List.of("/v1/secrets/fleet-wifi", "/v1/secrets/fleet-nope"));
            assertThat(responses.get(0).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(responses.get(1).get(10, TimeUnit.SECONDS).status()).isEqualTo(404);
            assertThat(gateway.auditEvents()).hasSize(2)
                    .allSatisfy(e -> assertThat(e.clientAddress()).isEqualTo("203.0.113.7:5000"));
        }
    }

    @Test
    void streamsOverTheConnectionsLimitAreRefused() throws Exception {
        HeldBackend backend = new HeldBackend(2);
        ExecutorService io = Executors.newSingleThreadExecutor();
        RunningGateway gateway = RunningGateway.start(dir, pki, "  maxConcurrentStreams: 2", ACCESS,
                SecretBackends.of(List.of(backend), CacheConfig.defaults(), io, Ticker.systemTicker()));
        try (Http2Client client = connect(gateway)) {
            CompletableFuture<Http2Client.Response> first = client.get("/v1/secrets/fleet-a");
            CompletableFuture<Http2Client.Response> second = client.get("/v1/secrets/fleet-b");
            assertThat(backend.asked.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(client.serversMaxConcurrentStreams()).isEqualTo(2);
            // Netty's client keeps to the server's SETTINGS, and refuses a third stream itself
            assertThat(client.get("/v1/secrets/fleet-c")).failsWithin(10, TimeUnit.SECONDS);

            backend.answer.complete("held-value");
            assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(second.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(client.isOpen()).isTrue();
        } finally {
            gateway.close();
            io.shutdownNow();
        }
    }

    @Test
    void refusalsOnConcurrentStreamsLockTheIdentityOut() throws Exception {
        try (RunningGateway gateway = startWithFiles("", """
                limits:
                  lockout: {maxRefusals: 3, window: 1m, duration: 10m, byIp: false}
                """); Http2Client client = connect(gateway)) {
            List<CompletableFuture<Http2Client.Response>> refused = client.getAll(
                    List.of("/v1/secrets/admin-a", "/v1/secrets/admin-b", "/v1/secrets/admin-c"));
            for (CompletableFuture<Http2Client.Response> response : refused) {
                assertThat(response.get(10, TimeUnit.SECONDS).status()).isEqualTo(403);
            }
            Http2Client.Response locked = client.get("/v1/secrets/fleet-wifi").get(10, TimeUnit.SECONDS);
            assertThat(locked.status()).isEqualTo(429);
            assertThat(locked.body()).contains("\"code\":\"locked_out\"").doesNotContain("wifi-psk");
            assertThat(gateway.gateway.limits().identityLockouts()).isEqualTo(1);
        }
    }

    @Test
    void jdkProviderNegotiatesH2Too() throws Exception {
        try (RunningGateway gateway = startWithFiles("  tlsProvider: jdk", ""); Http2Client client = connect(gateway)) {
            List<CompletableFuture<Http2Client.Response>> responses = client.getAll(
                    List.of("/v1/secrets/fleet-wifi", "/v1/secrets/fleet-wifi", "/v1/secrets/fleet-nope"));
            assertThat(responses.get(0).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(responses.get(1).get(10, TimeUnit.SECONDS).body()).contains("wifi-psk");
            assertThat(responses.get(2).get(10, TimeUnit.SECONDS).status()).isEqualTo(404);
            assertThat(gateway.auditEvents()).hasSize(3).allSatisfy(e -> assertThat(e.subject()).contains("CN=device-1"));
        }
    }

    /** A backend whose answers wait for the test's word, so requests can be held in flight. */
    private static final class HeldBackend implements SecretBackend {
        final CountDownLatch asked;
        final CompletableFuture<String> answer = new CompletableFuture<>();

        HeldBackend() {
            this(1);
        }

        /** @param calls how many calls {@link #asked} waits for */
        HeldBackend(int calls) {
            this.asked = new CountDownLatch(calls);
        }

        @Override
        public String name() {
            return "held";
        }

        @Override
        public String type() {
            return "test";
        }

        @Override
        public CompletableFuture<SecretValue> fetch(SecretRef ref) {
            asked.countDown();
            return answer.thenApply(value -> SecretValue.withDerivedVersion(ref.name(), value, "held", "test"));
        }
    }
}
