package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtlsproxy.core.pki.IssuedCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS behaviour seen by a real OpenSSL peer: ALPN, ticket resumption with the identity still
 * pinned on the resumed connection, and the handshake and idle timeouts.
 */
class TlsFeaturesTest {
    private static final String CONFIG = """
            access:
              rules: [{name: all, match: {anyAuthenticated: true}, secrets: ["*"]}]
            secrets:
              backends: [{type: appsettings, values: {wifi-key: "psk-1"}}]
            """;

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();

    @Test
    void ticketResumptionKeepsTheIdentityAndAlpnIsHttp11() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        IssuedCertificate device = pki.client("device-1");
        Files.writeString(dir.resolve("device.pem"), device.presentedChainPem());
        Files.writeString(dir.resolve("device.key"), device.privateKeyPem());
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG)) {
            String first = sClient(gateway.port(), "-sess_out", dir.resolve("session.pem").toString());
            assertThat(first).contains("ALPN protocol: http/1.1").contains("New, TLSv1.3").contains("HTTP/1.1 200");
            String resumed = sClient(gateway.port(), "-sess_in", dir.resolve("session.pem").toString());
            assertThat(resumed).contains("Reused, TLSv1.3").contains("HTTP/1.1 200").contains("psk-1");
            assertThat(gateway.auditEvents()).hasSize(2)
                    .allSatisfy(event -> assertThat(event.subject()).contains("CN=device-1"));
        }
    }

    @Test
    void silentClientIsClosedAfterTheHandshakeTimeout() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, "  handshakeTimeout: 300ms", CONFIG, Map.of());
                Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()));
            socket.setSoTimeout(10_000);
            assertThat(readToEnd(socket.getInputStream())).isTrue();
        }
    }

    @Test
    void idleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, "  idleTimeout: 300ms", CONFIG, Map.of());
                TlsClient client = gateway.connect(pki.client("device-1"))) {
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            client.socket().setSoTimeout(10_000);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void serverKeyFromPkcs12Works() throws Exception {
        Path keystore = dir.resolve("server.p12");
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("gateway", pki.server.keyPair().getPrivate(), "changeit".toCharArray(),
                pki.server.presentedChain().toArray(java.security.cert.X509Certificate[]::new));
        try (var out = Files.newOutputStream(keystore)) {
            store.store(out, "changeit".toCharArray());
        }
        pki.writeServerFiles(dir);
        Files.writeString(dir.resolve("p12.yaml"), """
                listener: {bind: 127.0.0.1, port: 0}
                admin: {port: 0}
                tls:
                  keystore: server.p12
                  keystorePassword: ${P12_PASSWORD}
                  trustAnchors: [ca.pem]
                """ + CONFIG);
        Map<String, String> env = Map.of("P12_PASSWORD", "changeit");
        Gateway gateway = Gateway.start(new io.mtlsproxy.core.config.ConfigLoader(env).load(dir.resolve("p12.yaml")), env,
                event -> { });
        try (TlsClient client = TlsClient.connect(gateway.port(), pki.root.certificate(), pki.client("device-1"))) {
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
        } finally {
            gateway.stop(java.time.Duration.ofSeconds(1));
        }
    }

    @Test
    void closingByIdentityClosesOnlyThatDevicesConnections() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG);
                TlsClient revoked = gateway.connect(pki.client("revoked-device"));
                TlsClient other = gateway.connect(pki.client("other-device"))) {
            assertThat(revoked.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            assertThat(other.get("/v1/secrets/wifi-key").status()).isEqualTo(200);

            int closed = gateway.gateway.closeConnections(id -> id.commonName().equals("revoked-device"), "revoked");

            assertThat(closed).isEqualTo(1);
            assertThat(revoked.closedByServer()).isTrue();
            assertThat(other.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
        }
    }

    @Test
    void stopClosesIdleConnectionsAndRefusesNewOnes() throws Exception {
        RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG);
        try (TlsClient client = gateway.connect(pki.client("device-1"))) {
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            gateway.close();
            assertThat(client.closedByServer()).isTrue();
            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(
                    () -> new Socket("127.0.0.1", gateway.port()).close());
            assertThat(refused).isInstanceOf(java.net.ConnectException.class);
        }
    }

    private String sClient(int port, String... sessionArgs) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-tls1_3", "-alpn", "http/1.1", "-CAfile", dir.resolve("ca.pem").toString(),
                "-cert", dir.resolve("device.pem").toString(), "-key", dir.resolve("device.key").toString(),
                "-ign_eof"));
        command.addAll(List.of(sessionArgs));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().write(
                "GET /v1/secrets/wifi-key HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        process.getOutputStream().close();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** True when the peer closes; reads (and discards) whatever arrives first. */
    private static boolean readToEnd(InputStream in) throws IOException {
        byte[] buffer = new byte[256];
        while (true) {
            try {
                if (in.read(buffer) == -1) {
                    return true;
                }
            } catch (java.net.SocketException e) {
                return true; // reset counts as closed
            }
        }
    }
}
