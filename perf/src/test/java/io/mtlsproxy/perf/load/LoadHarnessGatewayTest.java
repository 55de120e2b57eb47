package io.mtlsproxy.perf.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.core.config.ConfigLoader;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.server.Gateway;
import io.mtlsproxy.server.cli.DemoPki;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each mode of the harness, for about a second, against the real gateway in this JVM as
 * {@code mtls-proxy demo} configures it (its PKI, its built-in secret, its access rule), over
 * real sockets and BoringSSL on both sides.
 */
class LoadHarnessGatewayTest {
    private static final String SECRET_PATH = "/v1/secrets/" + DemoPki.SECRET_NAME;

    @TempDir
    static Path dir;

    private static Gateway gateway;

    @BeforeAll
    static void startDemoGateway() throws Exception {
        Path configFile = DemoPki.write(dir, 0);
        GatewayConfig config = new ConfigLoader(Map.of()).load(configFile);
        gateway = Gateway.start(config, Map.of(), event -> {});
    }

    @AfterAll
    static void stopGateway() {
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(1));
        }
    }

    /** A command line against the gateway: these options, and defaults for those they leave out. */
    private static List<String> args(String mode, String... more) {
        List<String> args = new ArrayList<>(List.of("--mode", mode, "--port", Integer.toString(gateway.port()),
                "--cert", dir.resolve("allowed-client.pem").toString(), "--key", dir.resolve("allowed-client.key").toString(),
                "--ca", dir.resolve("ca.pem").toString(), "--expect-body", "demo-"));
        List<String> given = List.of(more);
        Map<String, String> defaults = Map.of("--path", SECRET_PATH, "--duration", "1s", "--warmup", "300ms",
                "--concurrency", "2");
        defaults.forEach((option, value) -> {
            if (!given.contains(option)) {
                args.addAll(List.of(option, value));
            }
        });
        args.addAll(given);
        return args;
    }

    private static LoadResult run(String mode, String... more) throws Exception {
        return LoadRun.execute(LoadHarness.parse(args(mode, more).toArray(String[]::new)));
    }

    @Test
    void keepAliveReadsTheSecretWithoutErrors() throws Exception {
        LoadResult result = run("keepalive");
        assertThat(result.counts().responses()).isPositive();
        assertThat(result.errors()).isZero();
        assertThat(result.counts().latency().count()).isEqualTo(result.counts().responses());
        // both connections were opened during warm-up, which the figures leave out
        assertThat(result.counts().handshakes()).isLessThanOrEqualTo(2);
    }

    @Test
    void handshakeModeMakesAFullHandshakeForEveryRequest() throws Exception {
        LoadResult result = run("handshake");
        assertThat(result.counts().responses()).isPositive();
        assertThat(result.errors()).isZero();
        // a connection whose handshake finished in the window but whose response came after it counts only the former
        assertThat(result.counts().handshakes()).isBetween(result.counts().responses(), result.counts().responses() + 2);
        assertThat(result.counts().resumed()).isZero();
        assertThat(result.counts().notResumed()).isEqualTo(result.counts().handshakes());
    }

    @Test
    void resumeModeResumesTheTls13Session() throws Exception {
        LoadResult result = run("resume");
        assertThat(result.counts().responses()).isPositive();
        assertThat(result.errors()).isZero();
        assertThat(result.counts().resumed()).isPositive();
        assertThat(result.counts().resumed()).isGreaterThan(result.counts().notResumed());
    }

    @Test
    void churnMakesSeveralRequestsPerConnection() throws Exception {
        LoadResult result = run("churn", "--requests-per-connection", "5");
        assertThat(result.errors()).isZero();
        assertThat(result.counts().handshakes()).isPositive();
        assertThat(result.counts().responses()).isGreaterThan(2 * result.counts().handshakes());
    }

    @Test
    void idleHoldsEveryConnectionAndMeasuresTheServer() throws Exception {
        long self = ProcessHandle.current().pid(); // the gateway runs in this JVM
        LoadResult result = run("idle", "--concurrency", "20", "--server-pid", Long.toString(self));
        assertThat(result.errors()).isZero();
        assertThat(result.connectionsOpened()).isEqualTo(20);
        assertThat(result.connectionsAtEnd()).isEqualTo(20);
        assertThat(result.counts().responses()).isEqualTo(20);
        assertThat(result.server().rssBeforeKib()).isPositive();
        assertThat(result.server().rssAfterKib()).isPositive();
        assertThat(Report.tree(result)).containsKey("connections");
    }

    @Test
    void idleConnectionWhoseFirstAnswerIsRefusedIsNotHeld() throws Exception {
        LoadResult result = run("idle", "--concurrency", "3", "--path", "/v1/secrets/not-granted");
        assertThat(result.connectionsOpened()).isZero();
        assertThat(result.connectionsAtEnd()).isZero();
        assertThat(result.counts().error(ErrorKind.STATUS)).isEqualTo(3);
        assertThat(result.errors()).isEqualTo(3);
    }

    @Test
    void fixedRateSendsNoMoreThanTheSchedule() throws Exception {
        LoadResult result = run("keepalive", "--rate", "200");
        assertThat(result.errors()).isZero();
        // 1 s at 200/s: the schedule hands out 200 slots in the window (the loops may lag, never lead)
        assertThat(result.counts().responses()).isPositive().isLessThanOrEqualTo(201);
    }

    @Test
    void deniedPathIsAStatusErrorAndFailsTheExitCode() throws Exception {
        String[] line = args("keepalive", "--path", "/v1/secrets/not-granted", "--json").toArray(String[]::new);
        StringWriter out = new StringWriter();
        int exit = LoadHarness.commandLine().setOut(new PrintWriter(out)).execute(line);
        assertThat(exit).isEqualTo(1);
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.get("mode").asText()).isEqualTo("keepalive");
        assertThat(json.get("requests").asLong()).isZero();
        assertThat(json.at("/errors/status").asLong()).isPositive();
        assertThat(json.at("/errors/total").asLong()).isEqualTo(json.at("/errors/status").asLong());
        List<String> allowed = new ArrayList<>(List.of(line));
        allowed.add("--allow-errors");
        assertThat(LoadHarness.commandLine().setOut(new PrintWriter(new StringWriter()))
                .execute(allowed.toArray(String[]::new))).isZero();
    }

    @Test
    void bodyWithoutTheExpectedTextIsABodyError() throws Exception {
        List<String> line = args("keepalive");
        line.set(line.indexOf("demo-"), "not-in-the-secret");
        LoadResult result = LoadRun.execute(LoadHarness.parse(line.toArray(String[]::new)));
        assertThat(result.counts().responses()).isZero();
        assertThat(result.counts().error(ErrorKind.BODY)).isPositive();
        assertThat(result.errors()).isEqualTo(result.counts().error(ErrorKind.BODY));
    }

    @Test
    void certificateFromAnotherCaIsATlsError() throws Exception {
        IssuedCertificate rogueCa = CertificateBuilder.ca("CN=rogue root,O=elsewhere").selfSigned();
        IssuedCertificate rogue = CertificateBuilder.client("CN=allowed-device,O=mtls-proxy demo").signedBy(rogueCa);
        Path cert = Files.writeString(dir.resolve("rogue.pem"), rogue.presentedChainPem());
        Path key = Files.writeString(dir.resolve("rogue.key"), rogue.privateKeyPem());
        // no warm-up and 2 s: every refused attempt counts, even on a machine loaded enough to slow each one down
        List<String> line = args("handshake", "--warmup", "0s", "--duration", "2s");
        line.set(line.indexOf("--cert") + 1, cert.toString());
        line.set(line.indexOf("--key") + 1, key.toString());
        LoadResult result = LoadRun.execute(LoadHarness.parse(line.toArray(String[]::new)));
        assertThat(result.counts().responses()).isZero();
        assertThat(result.counts().error(ErrorKind.TLS)).as(Report.table(result)).isPositive();
        assertThat(result.errors()).isEqualTo(result.counts().error(ErrorKind.TLS));
    }

    @Test
    void serverThatNeverAnswersIsATimeout() throws Exception {
        // the kernel completes the TCP handshakes into the backlog; nobody ever reads the ClientHello
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<String> line = args("handshake", "--timeout", "200ms", "--duration", "1s", "--warmup", "0s");
            line.set(line.indexOf("--port") + 1, Integer.toString(silent.getLocalPort()));
            LoadResult result = LoadRun.execute(LoadHarness.parse(line.toArray(String[]::new)));
            assertThat(result.counts().error(ErrorKind.TIMEOUT)).isPositive();
            assertThat(result.errors()).isEqualTo(result.counts().error(ErrorKind.TIMEOUT));
        }
    }

    @Test
    void nothingListeningIsAConnectError() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        List<String> line = args("handshake");
        line.set(line.indexOf("--port") + 1, Integer.toString(closed));
        LoadResult result = LoadRun.execute(LoadHarness.parse(line.toArray(String[]::new)));
        assertThat(result.counts().error(ErrorKind.CONNECT)).isPositive();
        assertThat(result.errors()).isEqualTo(result.counts().error(ErrorKind.CONNECT));
    }
}
