package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.server.limits.ConnectionRefusals.Cause;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What is decided at accept, before any TLS work: the address allowlist, connection limits per
 * address and in total, and the new-connection (handshake) rate per address. Two loopback
 * addresses, 127.0.0.1 and 127.0.0.2, play two clients.
 */
class ConnectionAdmissionTest {
    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate device = pki.client("device-a");
    private final FakeTicker ticker = new FakeTicker();

    @BeforeEach
    void secretFiles() throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(secrets.resolve("fleet-wifi"), "wifi-psk\n");
    }

    private RunningGateway start(String listenerLines, String limits) throws Exception {
        return RunningGateway.start(dir, pki, listenerLines, """
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
                limits:
                """ + limits, Map.of(), CertificateChecks.EntraCheckFactory.FROM_CONFIG, ticker);
    }

    private TlsClient from(RunningGateway gateway, String address) throws Exception {
        return TlsClient.connectFrom(address, gateway.port(), pki.root.certificate(), device);
    }

    private static void served(TlsClient client) throws IOException {
        assertThat(client.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
    }

    @Test
    void addressOutsideTheAllowlistIsClosedBeforeTls() throws Exception {
        try (RunningGateway gateway = start("  allowedClients: [127.0.0.2/32, \"2001:db8::/32\"]\n", "  maxConnections: 0\n")) {
            assertThatThrownBy(() -> from(gateway, "127.0.0.1").close()).isInstanceOf(IOException.class);
            assertThat(gateway.gateway.limits().refusals().count(Cause.NOT_ALLOWED)).isEqualTo(1);
            assertThat(gateway.gateway.refusals().refusals("client_closed")).isZero(); // no TLS was started for it
            assertThat(new AdminClient(gateway.gateway).scrape().value("mtls_proxy_connections_rejected_total",
                    "cause", "not_allowed")).isEqualTo(1.0);
            try (TlsClient allowed = from(gateway, "127.0.0.2")) {
                served(allowed);
            }
        }
    }

    @Test
    void connectionsPerAddressAreLimitedAndFreedOnClose() throws Exception {
        try (RunningGateway gateway = start("", "  maxConnectionsPerIp: 2\n")) {
            TlsClient first = from(gateway, "127.0.0.1");
            TlsClient second = from(gateway, "127.0.0.1");
            served(first);
            served(second);
            assertThatThrownBy(() -> from(gateway, "127.0.0.1").close()).isInstanceOf(IOException.class);
            assertThat(gateway.gateway.limits().refusals().count(Cause.IP_CONNECTION_LIMIT)).isEqualTo(1);
            try (TlsClient other = from(gateway, "127.0.0.2")) {
                served(other);
            }

            first.close();
            Eventually.await("the closed connection is no longer counted", () -> gateway.gateway.limits().openConnections() == 1);
            try (TlsClient third = from(gateway, "127.0.0.1")) {
                served(third);
            }
            second.close();
        }
    }

    @Test
    void connectionsInTotalAreLimited() throws Exception {
        try (RunningGateway gateway = start("", "  maxConnections: 3\n")) {
            List<TlsClient> open = new ArrayList<>();
            open.add(from(gateway, "127.0.0.1"));
            open.add(from(gateway, "127.0.0.1"));
            open.add(from(gateway, "127.0.0.2"));
            for (TlsClient client : open) {
                served(client);
            }
            assertThatThrownBy(() -> from(gateway, "127.0.0.3").close()).isInstanceOf(IOException.class);
            assertThat(gateway.gateway.limits().refusals().count(Cause.CONNECTION_LIMIT)).isEqualTo(1);
            assertThat(gateway.gateway.limits().openConnections()).isEqualTo(3);
            for (TlsClient client : open) {
                client.close();
            }
        }
    }

    @Test
    void handshakeFloodFromOneAddressIsThrottledWhileAnotherAddressIsServed() throws Exception {
        try (RunningGateway gateway = start("", "  handshakesPerIp: {rate: 1, burst: 3}\n")) {
            for (int i = 0; i < 3; i++) {
                try (TlsClient client = from(gateway, "127.0.0.1")) {
                    served(client);
                }
            }
            int refused = 0;
            for (int i = 0; i < 20; i++) {
                try {
                    from(gateway, "127.0.0.1").close();
                } catch (IOException expected) {
                    refused++;
                }
                // meanwhile the other device connects and is served
                if (i % 7 == 0) { // three times: within the other address's own burst
                    try (TlsClient other = from(gateway, "127.0.0.2")) {
                        served(other);
                    }
                }
            }
            assertThat(refused).isEqualTo(20);
            assertThat(gateway.gateway.limits().refusals().count(Cause.HANDSHAKE_RATE)).isEqualTo(20);

            ticker.advance(Duration.ofSeconds(1));
            try (TlsClient client = from(gateway, "127.0.0.1")) {
                served(client);
            }
        }
    }
}
