package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.backends.SecretBackend;
import io.mtlsproxy.backends.SecretBackends;
import io.mtlsproxy.backends.SecretRef;
import io.mtlsproxy.backends.SecretValue;
import io.mtlsproxy.core.config.CacheConfig;
import io.mtlsproxy.core.config.ConfigLoader;
import java.net.ConnectException;
import java.net.Socket;
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

/** SIGTERM's path: stop accepting, let the request in flight finish, then close. */
class GracefulStopTest {
    @TempDir
    Path dir;

    @Test
    void inFlightRequestFinishesBeforeTheGatewayStops() throws Exception {
        TestPki pki = new TestPki();
        pki.writeServerFiles(dir);
        Files.writeString(dir.resolve("config.yaml"), """
                listener: {bind: 127.0.0.1, port: 0}
                admin: {port: 0}
                tls: {certificate: server.pem, privateKey: server.key, trustAnchors: [ca.pem]}
                access:
                  rules: [{name: all, match: {anyAuthenticated: true}, secrets: ["*"]}]
                """);
        HeldBackend backend = new HeldBackend();
        ExecutorService io = Executors.newSingleThreadExecutor();
        Gateway gateway = Gateway.start(new ConfigLoader(Map.of()).load(dir.resolve("config.yaml")),
                SecretBackends.of(List.of(backend), CacheConfig.defaults(), io, Ticker.systemTicker()), io, e -> { });
        ExecutorService stopper = Executors.newSingleThreadExecutor();
        try (TlsClient client = TlsClient.connect(gateway.port(), pki.root.certificate(), pki.client("device-1"))) {
            client.send("GET /v1/secrets/slow HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(backend.asked.await(10, TimeUnit.SECONDS)).isTrue();

            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> gateway.stop(Duration.ofSeconds(30)), stopper);
            assertThat(waitForRefusal(gateway.port())).as("new connections refused while draining").isTrue();
            assertThat(stopped).isNotDone();

            backend.answer.complete(SecretValue.withDerivedVersion("slow", "finally", "held", "test"));
            TlsClient.Response response = client.read();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).contains("finally");
            assertThat(response.header("Connection")).isEqualTo("close");
            stopped.get(10, TimeUnit.SECONDS);
        } finally {
            stopper.shutdownNow();
            gateway.stop(Duration.ZERO);
        }
    }

    /** Polls until the listener is closed (bounded): the stop runs on another thread. */
    private static boolean waitForRefusal(int port) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                Thread.onSpinWait();
            } catch (ConnectException refused) {
                return true;
            } catch (java.io.IOException other) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        return false;
    }

    /** A backend whose answer the test gives, so a request can be held in flight. */
    private static final class HeldBackend implements SecretBackend {
        final CountDownLatch asked = new CountDownLatch(1);
        final CompletableFuture<SecretValue> answer = new CompletableFuture<>();

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
            return answer;
        }
    }
}
