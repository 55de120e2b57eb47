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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * The asynchronous checks over HTTP/2: the connection's Entra verdict (listener or route) is asked
 * of Graph once and shared by every stream, and a refused connection answers its streams and goes.
 */
class Http2EntraTest {
    private static final String ACCESS = """
            access:
              rules: [{name: devices, match: {anyAuthenticated: true}, secrets: ["*"]}]
            secrets:
              backends: [{type: appsettings, values: {wifi-key: "psk-1"}}]
            """;
    private static final String ENTRA_POLICY = "policies:\n  entra: {entraDevice: {}}\n";
    private static final String ORIGIN_READ = "/api/certificatesecretproxy?SecretName=wifi-key";

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final GraphFixture graph = new GraphFixture();
    private final IssuedCertificate organizationAccess = CertificateBuilder.ca(EntraPki.REAL_ISSUER).signedBy(pki.root);

    @AfterEach
    void closeGraph() {
        graph.close();
        assertThat(graph.problems()).as("requests the Graph fixture refused").isEmpty();
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
    void aRefusedConnectionAnswersEveryStreamThenSendsGoAway() throws Exception {
        String id = UUID.randomUUID().toString();
        IssuedCertificate device = device(id);
        graph.answer(id, GraphFixture.device(id, "STOLEN-PC", false, EntraPki.entraKey(device.certificate())));
        try (RunningGateway gateway = start("  policy: entra", ENTRA_POLICY);
                Http2Client client = Http2Client.connect(gateway.port(), pki.root.certificate(), device)) {
            List<CompletableFuture<Http2Client.Response>> responses = client.getAll(
                    List.of("/v1/secrets/wifi-key", "/v1/secrets/wifi-key", ORIGIN_READ));
            for (CompletableFuture<Http2Client.Response> response : responses) {
                Http2Client.Response refused = response.get(10, TimeUnit.SECONDS);
                assertThat(refused.status()).isEqualTo(401);
                // the origin's route answers in its own shape, with its ErrorCode
                assertThat(refused.body()).containsPattern("\"(code|ErrorCode)\":\"certificate_refused\"")
                        .doesNotContain("STOLEN-PC");
            }
            assertThat(client.closeFuture().await(10, TimeUnit.SECONDS)).as("the refused connection closes").isTrue();
            assertThat(client.goAway).isDone();
            assertThat(graph.calls(id)).as("one Graph lookup for the connection").isEqualTo(1);
            assertThat(gateway.gateway.refusals().refusals("entra_device_disabled")).isEqualTo(1);
        }
    }

    @Test
    void aRoutesGuardIsDecidedOnceForAllStreams() throws Exception {
        String id = UUID.randomUUID().toString();
        graph.noDevice(id);
        try (RunningGateway gateway = start("", ENTRA_POLICY + "origin:\n  policy: entra\n");
                Http2Client client = Http2Client.connect(gateway.port(), pki.root.certificate(), device(id))) {
            List<CompletableFuture<Http2Client.Response>> origin = client.getAll(List.of(ORIGIN_READ, ORIGIN_READ, ORIGIN_READ));
            for (CompletableFuture<Http2Client.Response> response : origin) {
                assertThat(response.get(10, TimeUnit.SECONDS).status()).isEqualTo(401);
            }
            assertThat(graph.calls(id)).as("asked once for the connection, not per stream").isEqualTo(1);
            assertThat(gateway.gateway.refusals().refusals("entra_device_unknown")).isEqualTo(1);
            // this route only: the API route of the same connection still serves
            assertThat(client.get("/v1/secrets/wifi-key").get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(client.isOpen()).isTrue();
        }
    }
}
