package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.audit.AuditEvent;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A proxy route is used only by devices its access rules grant and its policy admits; each use is counted. */
class ReverseProxyAccessTest {
    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private UpstreamServer upstream;

    @BeforeEach
    void startUpstream() throws Exception {
        upstream = UpstreamServer.http("a");
    }

    @AfterEach
    void stopUpstream() {
        upstream.close();
    }

    private String config(String rules, String routeExtra) {
        return """
                policies:
                  kiosks: {cn: "kiosk-*"}
                access:
                  rules:
                """ + rules.indent(4) + """
                secrets:
                  backends: [{type: appsettings, values: {wifi-key: "psk-1"}}]
                proxy:
                  routes:
                    - name: app
                      pathPrefix: /app
                      upstream: {targets: ["%s"]}
                """.formatted(upstream.url()) + routeExtra.indent(6);
    }

    @Test
    void aDeviceWithoutTheRoutesAccessRuleGets403() throws Exception {
        String rules = """
                - {name: secrets-only, match: {anyAuthenticated: true}, secrets: ["*"]}
                - {name: kiosks-app, match: {subject: ["CN=kiosk-*,O=mtls-proxy tests"]}, routes: [app]}
                """;
        try (RunningGateway gateway = RunningGateway.start(dir, pki, config(rules, ""));
                TlsClient printer = gateway.connect(pki.client("printer-1"));
                TlsClient kiosk = gateway.connect(pki.client("kiosk-1"))) {
            TlsClient.Response refused = printer.get("/app");
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.body()).contains("\"code\":\"route_forbidden\"");
            // the connection goes on, and its secrets are still readable
            assertThat(printer.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            assertThat(kiosk.get("/app").status()).isEqualTo(200);
            assertThat(upstream.received()).hasSize(1);

            Eventually.await("audit lines", () -> gateway.auditEvents().size() == 3);
            AuditEvent denial = gateway.auditEvents().stream().filter(e -> e.outcome() == AuditEvent.Outcome.DENY)
                    .findFirst().orElseThrow();
            assertThat(denial.secretName()).isEqualTo("route:app");
            assertThat(denial.reason()).isEqualTo("route_forbidden/no_matching_rule");
            assertThat(denial.status()).isEqualTo(403);
        }
    }

    @Test
    void aRefusedRequestsBodyIsDroppedAndTheConnectionGoesOn() throws Exception {
        String rules = "- {name: secrets-only, match: {anyAuthenticated: true}, secrets: [\"*\"]}\n";
        try (RunningGateway gateway = RunningGateway.start(dir, pki, config(rules, ""));
                TlsClient client = gateway.connect(pki.client("printer-1"))) {
            client.send("POST /app/sink HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "POST /app/sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                    + "GET /v1/secrets/wifi-key HTTP/1.1\r\nHost: x\r\n\r\n");

            assertThat(client.read().status()).isEqualTo(403);
            assertThat(client.read().status()).isEqualTo(403);
            assertThat(client.read().status()).isEqualTo(200);
            assertThat(upstream.received()).isEmpty();
        }
    }

    @Test
    void routePolicyIsEnforcedOnThatRouteAlone() throws Exception {
        String rules = "- {name: all, match: {anyAuthenticated: true}, secrets: [\"*\"], routes: [\"*\"]}\n";
        try (RunningGateway gateway = RunningGateway.start(dir, pki, config(rules, "policy: kiosks\n"));
                TlsClient printer = gateway.connect(pki.client("printer-1"));
                TlsClient kiosk = gateway.connect(pki.client("kiosk-1"))) {
            TlsClient.Response refused = printer.get("/app");
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.body()).contains("\"code\":\"certificate_refused\"");
            assertThat(printer.get("/v1/secrets/wifi-key").status()).isEqualTo(200);

            assertThat(kiosk.get("/app").status()).isEqualTo(200);
            assertThat(upstream.received()).hasSize(1);
        }
    }

    @Test
    void auditModeRoutePolicyLetsTheRequestThrough() throws Exception {
        String rules = "- {name: all, match: {anyAuthenticated: true}, secrets: [\"*\"], routes: [\"*\"]}\n";
        try (RunningGateway gateway = RunningGateway.start(dir, pki, config(rules, "policy: kiosks\nmode: audit\n"));
                TlsClient printer = gateway.connect(pki.client("printer-1"))) {
            assertThat(printer.get("/app").status()).isEqualTo(200);
            assertThat(gateway.gateway.refusals().auditViolations("rule_mismatch")).isEqualTo(1);
        }
    }

    @Test
    void requestsAreCountedByRouteAndStatus() throws Exception {
        String rules = "- {name: all, match: {anyAuthenticated: true}, secrets: [\"*\"], routes: [\"*\"]}\n";
        try (RunningGateway gateway = RunningGateway.start(dir, pki, config(rules, ""));
                TlsClient client = gateway.connect(pki.client("device-1"))) {
            assertThat(client.get("/app").status()).isEqualTo(200);
            assertThat(client.get("/app").status()).isEqualTo(200);
            assertThat(client.get("/app/no-content").status()).isEqualTo(204);

            AdminClient.Scrape scrape = new AdminClient(gateway.gateway).scrape();
            assertThat(scrape.value("mtls_proxy_requests_total", "route", "proxy:app", "status", "200")).isEqualTo(2);
            assertThat(scrape.value("mtls_proxy_requests_total", "route", "proxy:app", "status", "204")).isEqualTo(1);
        }
    }
}
