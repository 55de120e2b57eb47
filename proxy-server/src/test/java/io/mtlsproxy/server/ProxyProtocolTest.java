package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.server.limits.ConnectionRefusals.Cause;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * PROXY protocol v2 behind a balancer at 127.0.0.2 (the trusted proxy); 127.0.0.1 plays a device
 * that connects directly. Headers are written byte by byte here, from the specification.
 */
class ProxyProtocolTest {
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final String BALANCER = "127.0.0.2";

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate device = pki.client("device-a");
    private final Logger httpLog = (Logger) LoggerFactory.getLogger("io.mtlsproxy.server.http.GatewayHttpHandler");
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();

    @BeforeEach
    void setUp() throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(secrets.resolve("fleet-wifi"), "wifi-psk\n");
        captured.start();
        httpLog.addAppender(captured);
    }

    @AfterEach
    void release() {
        httpLog.detachAppender(captured);
    }

    private RunningGateway start(String moreListenerLines) throws Exception {
        return RunningGateway.start(dir, pki, """
                  proxyProtocol: v2
                  trustedProxies: [127.0.0.2/32]
                """ + moreListenerLines, """
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

    /** A PROXY v2 header: version 2 with the command, TCP over IPv4, then source and destination. */
    static byte[] v2Header(int command, String source, int sourcePort, String destination, int destinationPort)
            throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(SIGNATURE);
        header.write(0x20 | command); // version 2 in the high nibble; 0x0 LOCAL, 0x1 PROXY
        if (command == 0) {
            header.write(0x00); // AF_UNSPEC: a LOCAL connection carries no addresses
            header.write(new byte[] {0, 0});
            return header.toByteArray();
        }
        header.write(0x11); // AF_INET << 4 | STREAM
        header.write(new byte[] {0, 12}); // 4 + 4 + 2 + 2 bytes of addresses
        header.write(InetAddress.getByName(source).getAddress());
        header.write(InetAddress.getByName(destination).getAddress());
        header.write(new byte[] {(byte) (sourcePort >> 8), (byte) sourcePort});
        header.write(new byte[] {(byte) (destinationPort >> 8), (byte) destinationPort});
        return header.toByteArray();
    }

    private static Socket rawFrom(String local, int port) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(local, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private TlsClient throughBalancer(RunningGateway gateway, byte[] header) throws Exception {
        Socket socket = rawFrom(BALANCER, gateway.port());
        OutputStream out = socket.getOutputStream();
        out.write(header);
        out.flush();
        return TlsClient.over(socket, pki.root.certificate(), device);
    }

    @Test
    void headerFromTheTrustedBalancerGivesTheClientAddressToAuditAndLogs() throws Exception {
        try (RunningGateway gateway = start("");
                TlsClient client = throughBalancer(gateway, v2Header(1, "203.0.113.7", 40000, "192.0.2.1", 8443))) {
            assertThat(client.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            assertThat(client.get("/no-such-route").status()).isEqualTo(404);

            assertThat(gateway.auditEvents()).singleElement().satisfies(event -> {
                assertThat(event.outcome()).isEqualTo(AuditEvent.Outcome.ALLOW);
                assertThat(event.clientAddress()).isEqualTo("203.0.113.7:40000");
            });
            assertThat(captured.list).anySatisfy(line -> assertThat(line.getFormattedMessage())
                    .startsWith("request refused client=203.0.113.7:40000 ").contains("status=404"));
        }
    }

    @Test
    void limitsApplyToTheAddressInTheHeader() throws Exception {
        try (RunningGateway gateway = start("  allowedClients: [203.0.113.0/24]\n")) {
            assertThatThrownBy(() -> throughBalancer(gateway, v2Header(1, "198.51.100.9", 5000, "192.0.2.1", 8443)).close())
                    .isInstanceOf(IOException.class);
            assertThat(gateway.gateway.limits().refusals().count(Cause.NOT_ALLOWED)).isEqualTo(1);
            try (TlsClient client = throughBalancer(gateway, v2Header(1, "203.0.113.7", 5000, "192.0.2.1", 8443))) {
                assertThat(client.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void headerFromAnUntrustedAddressIsRefused() throws Exception {
        try (RunningGateway gateway = start("")) {
            try (Socket socket = rawFrom("127.0.0.1", gateway.port())) {
                socket.getOutputStream().write(v2Header(1, "203.0.113.7", 40000, "192.0.2.1", 8443));
                socket.getOutputStream().flush();
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
            }
            assertThat(gateway.gateway.limits().refusals().count(Cause.PROXY_HEADER_UNTRUSTED)).isEqualTo(1);
            assertThat(gateway.gateway.refusals().refusals("client_closed")).isZero(); // refused before TLS, one line

            // the same address without a header is an ordinary device connection
            try (TlsClient direct = TlsClient.connectFrom("127.0.0.1", gateway.port(), pki.root.certificate(), device)) {
                assertThat(direct.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            }
            assertThat(gateway.auditEvents()).last().satisfies(event -> assertThat(event.clientAddress()).startsWith("127.0.0.1:"));
        }
    }

    @Test
    void trustedBalancerConnectionWithoutHeaderIsRefused() throws Exception {
        try (RunningGateway gateway = start("")) {
            assertThatThrownBy(() -> TlsClient.connectFrom(BALANCER, gateway.port(), pki.root.certificate(), device).close())
                    .isInstanceOf(IOException.class);
            assertThat(gateway.gateway.limits().refusals().count(Cause.PROXY_HEADER_MISSING)).isEqualTo(1);
        }
    }

    @Test
    void versionOneTextHeaderIsRefused() throws Exception {
        try (RunningGateway gateway = start("")) {
            try (Socket socket = rawFrom(BALANCER, gateway.port())) {
                socket.getOutputStream().write("PROXY TCP4 203.0.113.7 192.0.2.1 40000 8443\r\n".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
            }
            assertThat(gateway.gateway.limits().refusals().count(Cause.PROXY_V1)).isEqualTo(1);
        }
    }

    @Test
    void malformedHeaderIsRefused() throws Exception {
        try (RunningGateway gateway = start("")) {
            byte[] header = v2Header(1, "203.0.113.7", 40000, "192.0.2.1", 8443);
            header[13] = 0x51; // an unknown address family
            try (Socket socket = rawFrom(BALANCER, gateway.port())) {
                socket.getOutputStream().write(header);
                socket.getOutputStream().flush();
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
            }
            // Netty's decoder closes before it reports the malformed header
            Eventually.await("counted", () -> gateway.gateway.limits().refusals().count(Cause.PROXY_HEADER_INVALID) == 1);
        }
    }

    @Test
    void connectionsThatSendNothingAreClosedWithinTheHandshakeTimeout() throws Exception {
        try (RunningGateway gateway = start("  handshakeTimeout: 300ms\n")) {
            for (String from : new String[] {BALANCER, "127.0.0.1"}) {
                try (Socket silent = rawFrom(from, gateway.port())) {
                    assertThat(silent.getInputStream().read()).isEqualTo(-1);
                }
            }
            assertThat(gateway.gateway.limits().refusals().count(Cause.PROXY_HEADER_TIMEOUT)).isEqualTo(1);
            assertThat(gateway.gateway.limits().refusals().count(Cause.FIRST_BYTES_TIMEOUT)).isEqualTo(1);
        }
    }

    @Test
    void localCommandIsServedAsTheBalancersOwnConnection() throws Exception {
        try (RunningGateway gateway = start(""); TlsClient client = throughBalancer(gateway, v2Header(0, null, 0, null, 0))) {
            assertThat(client.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            assertThat(gateway.auditEvents()).singleElement()
                    .satisfies(event -> assertThat(event.clientAddress()).startsWith(BALANCER + ":"));
        }
    }
}
