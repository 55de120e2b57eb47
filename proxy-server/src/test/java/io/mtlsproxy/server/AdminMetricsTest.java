package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} scraped over a real socket: each outcome moves its own series, and only it. */
class AdminMetricsTest {
    private static final String CONFIG = """
            access:
              rules:
                - name: own-secret
                  match: {issuer: ["CN=test root, O=MTLS-PROXY tests"]}
                  secrets: ["fleet-*", "missing-*", "broken"]
            secrets:
              backends:
                - type: file
                  name: files
                  directory: secrets
            """;

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();

    @BeforeEach
    void secretFiles() throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(secrets.resolve("fleet-wifi"), "wifi-psk-value\n");
        Files.write(secrets.resolve("broken"), new byte[2 * 1024 * 1024]); // over the file backend's bound: unavailable
    }

    @Test
    void requestsCountByRouteAndStatusAndReadsByBackendAndOutcome() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG);
                TlsClient client = gateway.connect(pki.client("device-a"))) {
            AdminClient admin = new AdminClient(gateway.gateway);

            assertThat(client.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            AdminClient.Scrape afterGood = admin.scrape();
            assertThat(afterGood.value("mtls_proxy_requests_total", "route", "api", "status", "200")).isEqualTo(1);
            assertThat(afterGood.value("mtls_proxy_secret_reads_total", "backend", "files", "outcome", "granted")).isEqualTo(1);
            assertThat(afterGood.value("mtls_proxy_requests_total", "route", "api", "status", "403")).isZero();

            assertThat(client.get("/v1/secrets/someone-elses").status()).isEqualTo(403);
            assertThat(client.get("/v1/secrets/missing-one").status()).isEqualTo(404);
            assertThat(client.get("/nowhere").status()).isEqualTo(404);
            assertThat(client.get("/api/certificatesecretproxy?SecretName=fleet-wifi").status()).isEqualTo(200);
            assertThat(client.get("/v1/secrets/broken").status()).isEqualTo(503);

            AdminClient.Scrape scrape = admin.scrape();
            assertThat(scrape.value("mtls_proxy_requests_total", "route", "api", "status", "200")).isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_requests_total", "route", "api", "status", "403")).isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_requests_total", "route", "api", "status", "404")).isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_requests_total", "route", "api", "status", "503")).isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_requests_total", "route", "other", "status", "404")).isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_requests_total", "route", "origin", "status", "200")).isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_secret_reads_total", "backend", "files", "outcome", "granted")).isEqualTo(2);
            assertThat(scrape.value("mtls_proxy_secret_reads_total", "backend", "none", "outcome", "forbidden")).isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_secret_reads_total", "backend", "none", "outcome", "not_found")).isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_secret_reads_total", "backend", "none", "outcome", "unavailable")).isEqualTo(1);
            // backend calls: one per miss, timed by outcome
            assertThat(scrape.value("mtls_proxy_backend_fetch_seconds_count", "backend", "files", "outcome", "ok")).isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_backend_fetch_seconds_count", "backend", "files", "outcome", "not_found"))
                    .isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_backend_fetch_seconds_count", "backend", "files", "outcome", "unavailable"))
                    .isEqualTo(1);
            assertThat(scrape.text()).contains("mtls_proxy_backend_fetch_seconds_bucket{backend=\"files\"");
            assertThat(scrape.value("mtls_proxy_backend_healthy", "backend", "files")).isZero();
            assertThat(scrape.text()).doesNotContain("wifi-psk-value");
        }
    }

    @Test
    void cacheHitsAndMissesAreCounted() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG);
                TlsClient client = gateway.connect(pki.client("device-a"))) {
            AdminClient admin = new AdminClient(gateway.gateway);

            assertThat(client.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            AdminClient.Scrape cold = admin.scrape();
            assertThat(cold.value("mtls_proxy_cache_misses_total")).isEqualTo(1);
            assertThat(cold.value("mtls_proxy_cache_loads_total")).isEqualTo(1);
            assertThat(cold.value("mtls_proxy_cache_hits_total")).isZero();

            assertThat(client.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            assertThat(client.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            AdminClient.Scrape warm = admin.scrape();
            assertThat(warm.value("mtls_proxy_cache_hits_total")).isEqualTo(2);
            assertThat(warm.value("mtls_proxy_cache_misses_total")).isEqualTo(1);
            assertThat(warm.value("mtls_proxy_backend_fetch_seconds_count", "backend", "files", "outcome", "ok")).isEqualTo(1);
        }
    }

    @Test
    void tlsRefusalsAreCountedByCause() throws Exception {
        IssuedCertificate rogueRoot = CertificateBuilder.ca("CN=Test Root,O=mtls-proxy tests").selfSigned();
        IssuedCertificate rogue = CertificateBuilder.client("CN=rogue,O=mtls-proxy tests").signedBy(rogueRoot);
        IssuedCertificate expired = CertificateBuilder.client("CN=old-device")
                .validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)))
                .signedBy(pki.root);
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG)) {
            AdminClient admin = new AdminClient(gateway.gateway);
            refused(gateway, rogue);
            refused(gateway, expired);
            refused(gateway, expired);
            refused(gateway, null);
            try (TlsClient good = gateway.connect(pki.client("device-a"))) {
                assertThat(good.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            }

            AdminClient.Scrape scrape = admin.scrape();
            assertThat(scrape.value("mtls_proxy_connections_refused_total", "cause", "unknown_ca")).isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_connections_refused_total", "cause", "expired")).isEqualTo(2);
            assertThat(scrape.value("mtls_proxy_connections_refused_total", "cause", "no_certificate")).isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_handshakes_total", "outcome", "completed")).isEqualTo(1);
        }
    }

    @Test
    void auditModeViolationsAreCountedByCause() throws Exception {
        IssuedCertificate expired = CertificateBuilder.client("CN=old-device")
                .validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)))
                .signedBy(pki.root);
        try (RunningGateway gateway = RunningGateway.start(dir, pki, "  mode: audit", CONFIG, Map.of());
                TlsClient client = gateway.connect(expired)) {
            assertThat(client.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);

            AdminClient.Scrape scrape = new AdminClient(gateway.gateway).scrape();
            assertThat(scrape.value("mtls_proxy_policy_violations_allowed_total", "cause", "expired")).isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_connections_refused_total", "cause", "expired")).isZero();
        }
    }

    @Test
    void openConnectionsGoUpAndDown() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG)) {
            AdminClient admin = new AdminClient(gateway.gateway);
            assertThat(admin.scrape().value("mtls_proxy_open_connections")).isZero();
            TlsClient first = gateway.connect(pki.client("device-a"));
            TlsClient second = gateway.connect(pki.client("device-b"));
            assertThat(first.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            assertThat(second.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            assertThat(admin.scrape().value("mtls_proxy_open_connections")).isEqualTo(2);

            first.close();
            second.close();
            // the server sees the close asynchronously: scrape until it has (each scrape is a round trip)
            double open = -1;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline && (open = admin.scrape().value("mtls_proxy_open_connections")) != 0) {
                Thread.onSpinWait();
            }
            assertThat(open).isZero();
        }
    }

    @Test
    void serverCertificateExpiryIsExported() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG)) {
            AdminClient.Scrape scrape = new AdminClient(gateway.gateway).scrape();
            long notAfter = pki.server.certificate().getNotAfter().toInstant().getEpochSecond();

            assertThat(scrape.value("mtls_proxy_server_certificate_not_after_seconds")).isEqualTo((double) notAfter);
            double expiresIn = scrape.value("mtls_proxy_server_certificate_expires_in_seconds");
            long now = Instant.now().getEpochSecond();
            assertThat(expiresIn).isBetween((double) (notAfter - now - 60), (double) (notAfter - now + 60));
        }
    }

    @Test
    void clientCertificateExpiriesAreTracked() throws Exception {
        IssuedCertificate fiveDays = CertificateBuilder.client("CN=soon,O=mtls-proxy tests")
                .validFor(Duration.ofDays(5)).signedBy(pki.root);
        IssuedCertificate twentyDays = CertificateBuilder.client("CN=later,O=mtls-proxy tests")
                .validFor(Duration.ofDays(20)).signedBy(pki.root);
        IssuedCertificate yearLong = pki.client("fine");
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG)) {
            for (IssuedCertificate device : new IssuedCertificate[] {fiveDays, twentyDays, yearLong, fiveDays}) {
                try (TlsClient client = gateway.connect(device)) {
                    assertThat(client.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
                }
            }

            AdminClient.Scrape scrape = new AdminClient(gateway.gateway).scrape();
            assertThat(scrape.value("mtls_proxy_client_certificates_tracked")).isEqualTo(3);
            assertThat(scrape.value("mtls_proxy_client_certificates_expiring", "within", "7d")).isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_client_certificates_expiring", "within", "30d")).isEqualTo(2);
            long soonest = fiveDays.certificate().getNotAfter().toInstant().getEpochSecond();
            assertThat(scrape.value("mtls_proxy_client_certificate_soonest_not_after_seconds")).isEqualTo((double) soonest);
            String fiveDaysSha256 = io.mtlsproxy.core.identity.Thumbprints.sha256Hex(fiveDays.certificate());
            assertThat(scrape.value("mtls_proxy_client_certificate_not_after_seconds", "rank", "1", "sha256", fiveDaysSha256))
                    .isEqualTo((double) soonest);
            assertThat(scrape.value("mtls_proxy_client_certificate_not_after_seconds", "rank", "2",
                    "sha256", io.mtlsproxy.core.identity.Thumbprints.sha256Hex(twentyDays.certificate())))
                    .isEqualTo((double) twentyDays.certificate().getNotAfter().toInstant().getEpochSecond());
        }
    }

    private static void refused(RunningGateway gateway, IssuedCertificate device) {
        Throwable failure = catchThrowable(() -> {
            try (TlsClient client = gateway.connect(device)) {
                client.get("/v1/secrets/fleet-wifi"); // TLS 1.3: the refusal arrives on the first read
            }
        });
        assertThat(failure).isInstanceOf(SSLException.class);
    }
}
