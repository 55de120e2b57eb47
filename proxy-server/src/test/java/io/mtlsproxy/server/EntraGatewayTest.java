package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.policy.entra.EntraDeviceCheck;
import io.mtlsproxy.policy.entra.EntraPki;
import io.mtlsproxy.policy.entra.GraphFixture;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * Entra device certificates through the gateway: the Entra check asks an HTTPS Graph fixture after
 * the handshake, once per connection, and its verdict reaches the device as HTTP: 200 for a
 * registered device, 401 for a refused one, 503 with Retry-After (never 401) when Graph cannot
 * answer. The credential chain itself (managed identity) is tested in the policy module.
 */
class EntraGatewayTest {
    private static final String ACCESS = """
            access:
              rules: [{name: devices, match: {anyAuthenticated: true}, secrets: ["*"]}]
            secrets:
              backends: [{type: appsettings, values: {wifi-key: "psk-1"}}]
            """;
    private static final String ORIGIN_READ = "/api/certificatesecretproxy?SecretName=wifi-key";

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final GraphFixture graph = new GraphFixture();
    /** The device registration CA, under the test root so the chain validates as well. */
    private final IssuedCertificate organizationAccess = CertificateBuilder.ca(EntraPki.REAL_ISSUER).signedBy(pki.root);

    @AfterEach
    void closeGraph() {
        graph.close();
        assertThat(graph.problems()).as("requests the Graph fixture refused").isEmpty();
    }

    private static final String ENTRA_POLICY = "policies:\n  entra: {entraDevice: {}}\n";

    /** A gateway whose listener demands the Entra check. */
    private RunningGateway start() throws Exception {
        return start("  policy: entra", ENTRA_POLICY);
    }

    private RunningGateway start(String listenerLines, String sections) throws Exception {
        String entra = "entra:\n  graphEndpoint: " + graph.endpoint() + "\n";
        TokenCredential credential = request -> Mono.just(new AccessToken(graph.token(), OffsetDateTime.now().plusHours(1)));
        return RunningGateway.start(dir, pki, listenerLines, entra + sections + ACCESS, Map.of(),
                (config, clock) -> new EntraDeviceCheck(config, credential, graph.client(), clock, Ticker.systemTicker()));
    }

    private IssuedCertificate device(String deviceId) {
        return CertificateBuilder.client("CN=" + deviceId).signedBy(organizationAccess);
    }

    @Test
    void aRegisteredDeviceReadsItsSecretAndTheOriginNamesIt() throws Exception {
        String id = UUID.randomUUID().toString();
        IssuedCertificate device = device(id);
        graph.answer(id, GraphFixture.device(id, "PC-0042", true, EntraPki.entraKey(device.certificate())));
        try (RunningGateway gateway = start();
                TlsClient client = gateway.connect(device)) {
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            TlsClient.Response origin = client.get(ORIGIN_READ);

            assertThat(origin.status()).isEqualTo(200);
            assertThat(origin.body()).contains("\"EntraDeviceId\":\"" + id + "\"").contains("\"EntraDeviceName\":\"PC-0042\"")
                    .contains("EntraDeviceCert");
            assertThat(graph.calls(id)).as("one Graph lookup for the connection").isEqualTo(1);
        }
    }

    @Test
    void aDisabledDeviceIsRefusedWith401() throws Exception {
        String id = UUID.randomUUID().toString();
        IssuedCertificate device = device(id);
        graph.answer(id, GraphFixture.device(id, "STOLEN-PC", false, EntraPki.entraKey(device.certificate())));
        try (RunningGateway gateway = start();
                TlsClient client = gateway.connect(device)) {
            TlsClient.Response response = client.get("/v1/secrets/wifi-key");

            assertThat(response.status()).isEqualTo(401);
            assertThat(response.body()).contains("\"code\":\"certificate_refused\"").doesNotContain("STOLEN-PC");
            assertThat(gateway.gateway.refusals().refusals("entra_device_disabled")).isEqualTo(1);
        }
    }

    @Test
    void anUnknownDeviceIsRefusedWith401() throws Exception {
        String id = UUID.randomUUID().toString();
        graph.noDevice(id);
        try (RunningGateway gateway = start();
                TlsClient client = gateway.connect(device(id))) {
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(401);
            assertThat(gateway.gateway.refusals().refusals("entra_device_unknown")).isEqualTo(1);
        }
    }

    @Test
    void aThrottledGraphGives503WithGraphsRetryAfterNot401() throws Exception {
        String id = UUID.randomUUID().toString();
        graph.status(id, 429, Map.of("Retry-After", "7"));
        try (RunningGateway gateway = start();
                TlsClient client = gateway.connect(device(id))) {
            TlsClient.Response response = client.get("/v1/secrets/wifi-key");

            assertThat(response.status()).isEqualTo(503);
            assertThat(response.body()).contains("\"code\":\"certificate_check_unavailable\"");
            assertThat(response.header("retry-after")).isEqualTo("7");
        }
    }

    @Test
    void aFailingGraphGives503() throws Exception {
        String id = UUID.randomUUID().toString();
        graph.status(id, 500, Map.of());
        try (RunningGateway gateway = start();
                TlsClient client = gateway.connect(device(id))) {
            TlsClient.Response response = client.get("/v1/secrets/wifi-key");

            assertThat(response.status()).isEqualTo(503);
            assertThat(response.header("retry-after")).isNotNull();
        }
    }

    @Test
    void aRouteCanRequireEntraWhileTheListenerDoesNot() throws Exception {
        String id = UUID.randomUUID().toString();
        graph.noDevice(id);
        try (RunningGateway gateway = start("", ENTRA_POLICY + "origin:\n  policy: entra\n");
                TlsClient client = gateway.connect(device(id))) {
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            assertThat(graph.calls(id)).as("the API does not ask Graph").isZero();

            assertThat(client.get(ORIGIN_READ).status()).isEqualTo(401);
            assertThat(graph.calls(id)).isEqualTo(1);
        }
    }
}
