package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator tries first: {@code curl --http2} with the device certificate. */
class Http2CurlTest {
    private static final Path CURL = Path.of("/usr/bin/curl");

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate kiosk = pki.client("kiosk-7");

    @BeforeAll
    static void curlSpeaksHttp2() throws Exception {
        assumeTrue(Files.isExecutable(CURL), "curl is not installed");
        Process version = new ProcessBuilder(CURL.toString(), "-V").redirectErrorStream(true).start();
        String features = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(version.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assumeTrue(features.lines().anyMatch(l -> l.startsWith("Features:") && l.contains("HTTP2")),
                "this curl is built without HTTP/2");
    }

    @BeforeEach
    void clientFiles() throws IOException {
        Files.writeString(dir.resolve("kiosk.pem"), kiosk.certificatePem());
        Files.writeString(dir.resolve("kiosk.key"), kiosk.privateKeyPem());
    }

    private RunningGateway start() throws Exception {
        return RunningGateway.start(dir, pki, """
                access:
                  rules:
                    - name: kiosks
                      match: {subject: ["CN=kiosk-*,O=mtls-proxy tests"]}
                      secrets: ["wifi-*"]
                secrets:
                  backends:
                    - type: appsettings
                """, Map.of("VAR_wifi-office", "office-psk", "VAR_wifi-lab", "lab-psk", "VAR_admin-pw", "root!"));
    }

    /** curl with the kiosk's certificate; prints the body, then the protocol version and status. */
    private String curl(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(CURL.toString(), "--http2", "--silent", "--max-time", "10",
                "--cacert", dir.resolve("ca.pem").toString(), "--cert", dir.resolve("kiosk.pem").toString(),
                "--key", dir.resolve("kiosk.key").toString(), "--write-out", " HTTP/%{http_version} %{http_code}\\n"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    @Test
    void secretAndOriginRouteOverHttp2() throws Exception {
        try (RunningGateway gateway = start()) {
            String base = "https://localhost:" + gateway.port();
            assertThat(curl(base + "/v1/secrets/wifi-office")).contains("\"value\":\"office-psk\"").endsWith("HTTP/2 200");
            assertThat(curl(base + "/v1/secrets/admin-pw")).contains("\"code\":\"forbidden\"").endsWith("HTTP/2 403");
            assertThat(curl("--data", "{}", base + "/api/certificatesecretproxy?SecretName=wifi-lab"))
                    .contains("\"SecretValue\":\"lab-psk\"").contains("\"Workload\":\"APPSETTINGS\"").endsWith("HTTP/2 200");
        }
    }

    @Test
    void parallelTransfersShareOneConnectionAndItsIdentity() throws Exception {
        try (RunningGateway gateway = start()) {
            String base = "https://localhost:" + gateway.port();
            String out = curl("--parallel", base + "/v1/secrets/wifi-office", base + "/v1/secrets/wifi-lab",
                    base + "/api/certificatesecretproxy?SecretName=wifi-office");
            assertThat(out.lines().filter(l -> l.endsWith("HTTP/2 200"))).hasSize(3);
            AdminClient.Scrape scrape = new AdminClient(gateway.gateway).scrape();
            assertThat(scrape.value("mtls_proxy_handshakes_total", "outcome", "completed")).as("one handshake").isEqualTo(1);
            assertThat(gateway.auditEvents()).hasSize(3).allSatisfy(event -> {
                assertThat(event.subject()).contains("CN=kiosk-7");
                assertThat(event.outcome()).isEqualTo(AuditEvent.Outcome.ALLOW);
            });
        }
    }
}
