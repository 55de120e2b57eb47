package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.server.limits.ConnectionRefusals.Cause;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slowloris and friends, with short real timeouts (300 ms) and bounded waits: a client trickling
 * its headers is closed within listener.requestHeadTimeout although it never stays silent long
 * enough for the idle timeout; a client that never reads its responses is dropped after
 * listener.writeTimeout.
 */
class SlowClientTest {
    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate device = pki.client("device-a");

    @BeforeEach
    void secretFiles() throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(secrets.resolve("fleet-wifi"), "wifi-psk\n");
        Files.writeString(secrets.resolve("fleet-bulk"), "x".repeat(256 * 1024));
    }

    private RunningGateway start() throws Exception {
        return RunningGateway.start(dir, pki, """
                  idleTimeout: 1m
                  requestHeadTimeout: 300ms
                  writeTimeout: 300ms
                """, """
                access:
                  rules:
                    - name: fleet
                      match: {issuer: ["CN=Test Root, O=mtls-proxy tests"]}
                      secrets: ["fleet-*"]
                secrets:
                  backends:
                    - type: file
                      name: files
                      directory: secrets
                """, Map.of());
    }

    @Test
    void clientTricklingItsHeadersIsClosedWithinTheRequestHeadTimeout() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(device)) {
            client.send("GET /v1/secrets/fleet-wifi HTTP/1.1\r\nHost: localhost\r\n");
            long started = System.nanoTime();
            client.socket().setSoTimeout(50);
            InputStream in = client.socket().getInputStream();
            OutputStream out = client.socket().getOutputStream();
            boolean closed = false;
            // one header byte every 50 ms (each wait is a read that times out): never idle for long
            for (int i = 0; i < 200 && !closed; i++) {
                try {
                    out.write('a');
                    out.flush();
                    closed = in.read() == -1;
                } catch (SocketTimeoutException stillOpen) {
                    // the server is still waiting for the rest of the headers
                } catch (IOException reset) {
                    closed = true;
                }
            }
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertThat(closed).as("closed by the server").isTrue();
            assertThat(elapsedMillis).isBetween(250L, 5_000L);
            assertThat(gateway.gateway.limits().refusals().count(Cause.REQUEST_HEAD_TIMEOUT)).isEqualTo(1);
        }
    }

    @Test
    void theClockStartsWithARequestsFirstByteNotWhileTheConnectionWaits() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(device)) {
            assertThat(client.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            client.socket().setSoTimeout(600); // a quiet keep-alive connection, twice the request-head timeout
            try {
                client.socket().getInputStream().read();
            } catch (SocketTimeoutException expected) {
                // still open
            }
            client.socket().setSoTimeout(10_000);
            assertThat(client.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            assertThat(gateway.gateway.limits().refusals().count(Cause.REQUEST_HEAD_TIMEOUT)).isZero();
        }
    }

    @Test
    void clientThatNeverReadsItsResponsesIsDroppedAfterTheWriteTimeout() throws Exception {
        int requests = 100; // 100 pipelined answers of 256 KiB: far more than the socket buffers hold
        try (RunningGateway gateway = start(); TlsClient client = TlsClient.over(smallReceiveBuffer(gateway.port()),
                pki.root.certificate(), device)) {
            StringBuilder pipelined = new StringBuilder();
            for (int i = 0; i < requests; i++) {
                pipelined.append("GET /v1/secrets/fleet-bulk HTTP/1.1\r\nHost: localhost\r\n\r\n");
            }
            try {
                client.send(pipelined.toString());
            } catch (IOException closedWhileSending) {
                // the gateway may already have dropped us
            }

            Eventually.await("the write timeout closed the connection",
                    () -> gateway.gateway.limits().refusals().count(Cause.WRITE_TIMEOUT) == 1);

            // what was already in the socket buffers still arrives, then the end: never all the answers
            int answered = 0;
            try {
                while (answered < requests) {
                    TlsClient.Response response = client.read();
                    assertThat(response.status()).isEqualTo(200);
                    answered++;
                }
            } catch (IOException closed) {
                // expected: the connection ended early
            }
            assertThat(answered).isLessThan(requests);
            assertThat(gateway.gateway.limits().openConnections()).isZero();
        }
    }

    /** A client socket whose receive buffer cannot grow: the gateway's responses pile up on its side. */
    private static java.net.Socket smallReceiveBuffer(int port) throws IOException {
        java.net.Socket socket = new java.net.Socket();
        socket.setReceiveBufferSize(16 * 1024);
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
        return socket;
    }

    @Test
    void slowReaderThatKeepsReadingIsNotDropped() throws Exception {
        try (RunningGateway gateway = start(); TlsClient client = gateway.connect(device)) {
            for (int i = 0; i < 20; i++) {
                TlsClient.Response response = client.get("/v1/secrets/fleet-bulk");
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.body()).contains("xxxx");
            }
            assertThat(gateway.gateway.limits().refusals().count(Cause.WRITE_TIMEOUT)).isZero();
        }
    }
}
