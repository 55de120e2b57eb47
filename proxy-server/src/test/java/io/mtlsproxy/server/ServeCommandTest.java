package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.server.cli.MtlsProxyCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Start-up refuses a bad configuration with exit code 2 and a message naming each bad setting. */
class ServeCommandTest {
    @TempDir
    Path dir;

    @Test
    void badConfigNamesTheSettingAndExits2() throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, """
                listener:
                  port: 70000
                tls:
                  certificate: server.pem
                  privateKey: server.key
                policy:
                  allowedThumbprints: ["not-a-thumbprint"]
                """);
        Run run = run("serve", "--config", config.toString());
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.stderr).contains("listener.port").contains("tls.trustAnchors").contains("policy.allowedThumbprints[0]")
                .doesNotContain("Exception");
    }

    @Test
    void missingKeyFileIsNamed() throws Exception {
        new TestPki().writeServerFiles(dir);
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                listener: {bind: 127.0.0.1, port: 0}
                tls:
                  certificate: server.pem
                  privateKey: missing.key
                  trustAnchors: [ca.pem]
                access:
                  rules: [{name: all, match: {anyAuthenticated: true}, secrets: ["*"]}]
                """);
        Run run = run("serve", "--config", config.toString());
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.stderr).contains("missing.key");
    }

    @Test
    void unknownSettingIsNamed() throws Exception {
        Path config = dir.resolve("typo.yaml");
        Files.writeString(config, "tls:\n  privteKey: x\n");
        Run run = run("serve", "--config", config.toString());
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.stderr).contains("tls.privteKey");
    }

    @Test
    void originSettingsWithNothingConfiguredAreRefused() {
        Run run = run("serve");
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.stderr).contains("AUTH_METHODS");
    }

    private record Run(int exitCode, String stderr) {}

    private static Run run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            CommandLine cli = MtlsProxyCommand.newCommandLine();
            cli.setErr(new java.io.PrintWriter(System.err, true));
            int code = cli.execute(args);
            return new Run(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(original);
        }
    }
}
