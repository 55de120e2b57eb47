package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit mode, the "audit first" rollout: certificates are requested but optional, violations are
 * logged and counted, and requests pass; access rules still decide what an identity may read.
 */
class AuditModeTest {
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
    void expiredCertificatePassesAndIsCounted() throws Exception {
        IssuedCertificate expired = CertificateBuilder.client("CN=old-device")
                .validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)))
                .signedBy(pki.root);
        try (RunningGateway gateway = RunningGateway.start(dir, pki, "  mode: audit", CONFIG, Map.of());
                TlsClient client = gateway.connect(expired)) {
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            assertThat(gateway.gateway.refusals().auditViolations("expired")).isEqualTo(1);
            assertThat(gateway.gateway.refusals().refusals("expired")).isZero();
        }
    }

    @Test
    void untrustedCertificatePassesAndIsCounted() throws Exception {
        IssuedCertificate rogueRoot = CertificateBuilder.ca("CN=Test Root,O=mtls-proxy tests").selfSigned();
        IssuedCertificate rogue = CertificateBuilder.client("CN=rogue").signedBy(rogueRoot);
        try (RunningGateway gateway = RunningGateway.start(dir, pki, "  mode: audit", CONFIG, Map.of());
                TlsClient client = gateway.connect(rogue)) {
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            assertThat(gateway.gateway.refusals().auditViolations("unknown_ca")).isEqualTo(1);
        }
    }

    @Test
    void deviceWithoutCertificateConnectsButCannotBeAuthorized() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, "  mode: audit", CONFIG, Map.of());
                TlsClient client = gateway.connect(null)) {
            TlsClient.Response response = client.get("/v1/secrets/wifi-key");
            assertThat(response.status()).isEqualTo(401);
            assertThat(response.body()).contains("client_certificate_required");
            assertThat(gateway.gateway.refusals().auditViolations("no_certificate")).isEqualTo(1);
        }
    }

    @Test
    void validDeviceIsNotAViolation() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, "  mode: audit", CONFIG, Map.of());
                TlsClient client = gateway.connect(pki.client("good"))) {
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            assertThat(gateway.gateway.refusals().auditViolations("expired")).isZero();
            assertThat(gateway.gateway.refusals().auditViolations("unknown_ca")).isZero();
        }
    }

    @Test
    void enforceModeCountsTheRefusal() throws Exception {
        IssuedCertificate expired = CertificateBuilder.client("CN=old-device")
                .validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)))
                .signedBy(pki.root);
        try (RunningGateway gateway = RunningGateway.start(dir, pki, CONFIG)) {
            org.assertj.core.api.Assertions.catchThrowable(() -> {
                try (TlsClient client = gateway.connect(expired)) {
                    client.get("/v1/secrets/wifi-key");
                }
            });
            assertThat(gateway.gateway.refusals().refusals("expired")).isEqualTo(1);
        }
    }
}
