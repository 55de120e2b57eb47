package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.policy.entra.EntraDeviceCheck;
import io.mtlsproxy.policy.entra.EntraPki;
import io.mtlsproxy.policy.entra.GraphFixture;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/** With an Entra policy, /readyz follows Graph's last answer (never asking it), and the Entra counters are scraped. */
class EntraReadinessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECTIONS = """
            policies:
              entra: {entraDevice: {}}
            access:
              rules: [{name: devices, match: {anyAuthenticated: true}, secrets: ["*"]}]
            secrets:
              backends: [{type: appsettings, values: {wifi-key: "psk-1"}}]
            """;

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final GraphFixture graph = new GraphFixture();
    private final IssuedCertificate organizationAccess = CertificateBuilder.ca(EntraPki.REAL_ISSUER).signedBy(pki.root);

    @AfterEach
    void closeGraph() {
        graph.close();
    }

    private RunningGateway start() throws Exception {
        TokenCredential credential = request -> Mono.just(new AccessToken(graph.token(), OffsetDateTime.now().plusHours(1)));
        return RunningGateway.start(dir, pki, "  policy: entra", "entra:\n  graphEndpoint: " + graph.endpoint() + "\n" + SECTIONS,
                Map.of(), (config, clock) -> new EntraDeviceCheck(config, credential, graph.client(), clock, Ticker.systemTicker()));
    }

    private IssuedCertificate registered() {
        String id = UUID.randomUUID().toString();
        IssuedCertificate device = CertificateBuilder.client("CN=" + id).signedBy(organizationAccess);
        graph.answer(id, GraphFixture.device(id, "PC-1", true, EntraPki.entraKey(device.certificate())));
        return device;
    }

    private static JsonNode component(HttpResponse<String> readyz, String name) throws Exception {
        for (JsonNode component : JSON.readTree(readyz.body()).get("components")) {
            if (component.get("name").asText().equals(name)) {
                return component;
            }
        }
        throw new AssertionError("no component " + name + " in " + readyz.body());
    }

    @Test
    void readinessFollowsGraphsLastAnswer() throws Exception {
        try (RunningGateway gateway = start()) {
            AdminClient admin = new AdminClient(gateway.gateway);
            HttpResponse<String> before = admin.get("/readyz");
            assertThat(before.statusCode()).isEqualTo(200);
            assertThat(component(before, "graph").get("detail").asText()).contains("no lookup");

            String down = UUID.randomUUID().toString();
            graph.status(down, 500, Map.of());
            try (TlsClient client = gateway.connect(CertificateBuilder.client("CN=" + down).signedBy(organizationAccess))) {
                assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(503);
            }
            HttpResponse<String> outage = admin.get("/readyz");
            assertThat(outage.statusCode()).isEqualTo(503);
            assertThat(component(outage, "graph").get("ready").asBoolean()).isFalse();
            assertThat(component(outage, "backend:appsettings").get("ready").asBoolean()).isTrue();

            try (TlsClient client = gateway.connect(registered())) {
                assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            }
            assertThat(admin.get("/readyz").statusCode()).isEqualTo(200);

            AdminClient.Scrape scrape = admin.scrape();
            assertThat(scrape.value("mtls_proxy_entra_graph_calls_total")).isEqualTo(2);
            assertThat(scrape.value("mtls_proxy_entra_outages_total")).isEqualTo(1);
            assertThat(scrape.value("mtls_proxy_entra_graph_reachable")).isEqualTo(1);
        }
    }
}
