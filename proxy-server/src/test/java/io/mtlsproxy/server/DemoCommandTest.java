package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtlsproxy.core.config.ConfigLoader;
import io.mtlsproxy.server.cli.DemoCommandAccess;
import io.mtlsproxy.server.cli.DemoPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quick start's promise: the curl lines `mtls-proxy demo` prints work exactly as printed. */
class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void printedCurlLinesWorkAsPrinted() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        Path config = DemoPki.write(dir, 0);
        Gateway gateway = Gateway.start(new ConfigLoader(Map.of()).load(config), Map.of(), event -> { });
        try {
            String instructions = DemoCommandAccess.instructions(dir, gateway.port());
            List<String> curls = instructions.lines().map(String::strip).filter(l -> l.startsWith("curl ")).toList();
            assertThat(curls).hasSize(4);

            String allowed = run(curls.get(0));
            assertThat(allowed).contains("\"name\":\"demo-secret\"").contains("\"value\":\"demo-");
            assertThat(run(curls.get(1) + " --write-out ' HTTP %{http_code}'")).contains("\"code\":\"forbidden\"")
                    .endsWith("HTTP 403");
            assertThat(run(curls.get(2) + " --write-out ' HTTP %{http_code}'")).endsWith("HTTP 000");
            assertThat(run(curls.get(3))).contains("\"SecretValue\":\"demo-").contains("\"Workload\":\"APPSETTINGS\"");
        } finally {
            gateway.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void demoKeysAreOwnerOnly() throws Exception {
        DemoPki.write(dir, 8443);
        for (String key : new String[] {"server.key", "allowed-client.key", "denied-client.key", "config.yaml"}) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(key))))
                    .as(key).isEqualTo("rw-------");
        }
    }

    /** Runs a printed command line through a shell, as a user pasting it would. */
    private static String run(String commandLine) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "-c", commandLine + " --silent --max-time 10"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }
}
