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
 * Routes name their own policy and mode on top of the listener's: a stricter policy for the API,
 * enforcement on one route while the listener still audits, an audit-only policy on another.
 */
class RoutePolicyTest {
    private static final String ACCESS = """
            access:
              rules: [{name: all, match: {anyAuthenticated: true}, secrets: ["*"]}]
            secrets:
              backends: [{type: appsettings, values: {wifi-key: "psk-1"}}]
            """;
    private static final String KIOSKS = """
            policies:
              kiosks: {cn: "kiosk-*"}
            """;
    private static final String ORIGIN_READ = "/api/certificatesecretproxy?SecretName=wifi-key";

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();

    @Test
    void apiPolicyRefusesOnlyThatRoute() throws Exception {
        String config = KIOSKS + "api:\n  policy: kiosks\n" + ACCESS;
        try (RunningGateway gateway = RunningGateway.start(dir, pki, config);
                TlsClient kiosk = gateway.connect(pki.client("kiosk-1"));
                TlsClient printer = gateway.connect(pki.client("printer-1"))) {
            assertThat(kiosk.get("/v1/secrets/wifi-key").status()).isEqualTo(200);

            TlsClient.Response refused = printer.get("/v1/secrets/wifi-key");
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.body()).contains("\"code\":\"certificate_refused\"").doesNotContain("kiosk");
            // the same connection may still use a route without that policy
            assertThat(printer.get(ORIGIN_READ).status()).isEqualTo(200);
            assertThat(gateway.gateway.refusals().refusals("rule_mismatch")).isEqualTo(1);
        }
    }

    @Test
    void routePolicyIsDecidedOncePerConnection() throws Exception {
        String config = KIOSKS + "api:\n  policy: kiosks\n" + ACCESS;
        try (RunningGateway gateway = RunningGateway.start(dir, pki, config);
                TlsClient printer = gateway.connect(pki.client("printer-1"))) {
            assertThat(printer.get("/v1/secrets/wifi-key").status()).isEqualTo(401);
            assertThat(printer.get("/v1/secrets/wifi-key").status()).isEqualTo(401);

            assertThat(gateway.gateway.refusals().refusals("rule_mismatch")).isEqualTo(1);
        }
    }

    @Test
    void auditModeRouteLogsItsViolationsAndServes() throws Exception {
        String config = KIOSKS + "api:\n  policy: kiosks\n  mode: audit\n" + ACCESS;
        try (RunningGateway gateway = RunningGateway.start(dir, pki, config);
                TlsClient printer = gateway.connect(pki.client("printer-1"))) {
            assertThat(printer.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            assertThat(printer.get("/v1/secrets/wifi-key").status()).isEqualTo(200);

            assertThat(gateway.gateway.refusals().auditViolations("rule_mismatch")).isEqualTo(1);
            assertThat(gateway.gateway.refusals().refusals("rule_mismatch")).isZero();
        }
    }

    @Test
    void enforcingRouteRefusesWhatTheAuditListenerLetThrough() throws Exception {
        IssuedCertificate expired = CertificateBuilder.client("CN=old-device")
                .validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)))
                .signedBy(pki.root);
        try (RunningGateway gateway = RunningGateway.start(dir, pki, "  mode: audit", "api:\n  mode: enforce\n" + ACCESS,
                Map.of());
                TlsClient old = gateway.connect(expired);
                TlsClient good = gateway.connect(pki.client("good"))) {
            TlsClient.Response refused = old.get("/v1/secrets/wifi-key");
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.body()).contains("\"code\":\"certificate_refused\"");
            // the origin route still audits (the listener's mode)
            assertThat(old.get(ORIGIN_READ).status()).isEqualTo(200);
            assertThat(good.get("/v1/secrets/wifi-key").status()).isEqualTo(200);

            assertThat(gateway.gateway.refusals().auditViolations("expired")).isEqualTo(1);
            assertThat(gateway.gateway.refusals().refusals("expired")).isEqualTo(1);
        }
    }

    @Test
    void originPolicyAppliesToTheOriginRoute() throws Exception {
        String config = KIOSKS + ACCESS + "origin:\n  policy: kiosks\n";
        try (RunningGateway gateway = RunningGateway.start(dir, pki, config);
                TlsClient printer = gateway.connect(pki.client("printer-1"))) {
            assertThat(printer.get(ORIGIN_READ).status()).isEqualTo(401);
            assertThat(printer.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
        }
    }
}
