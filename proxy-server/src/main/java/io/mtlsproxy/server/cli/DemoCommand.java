package io.mtlsproxy.server.cli;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.ConfigLoader;
import io.mtlsproxy.core.config.GatewayConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mtls-proxy demo}: a development PKI, a built-in secret, the gateway on 127.0.0.1, and curl lines that work. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Generate a development PKI and config into --dir, seed the secret 'demo-secret', start the "
                + "gateway on 127.0.0.1 and print curl lines that read it.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "8443", description = "port to listen on (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--dir", defaultValue = "mtls-proxy-demo", paramLabel = "DIR",
            description = "where to write the PKI and config (default: ./${DEFAULT-VALUE})")
    Path dir;

    @Override
    public Integer call() throws Exception {
        Path absolute = dir.toAbsolutePath().normalize();
        Path configFile = DemoPki.write(absolute, port);
        GatewayConfig config;
        try {
            // only the generated file: the caller's MTLSPROXY_* overrides must not bend the demo
            config = new ConfigLoader(Map.of()).load(configFile);
        } catch (ConfigException e) {
            return Launch.configError(e);
        }
        return Launch.runUntilStopped(config, gateway -> System.out.println(instructions(absolute, gateway.port())));
    }

    static String instructions(Path dir, int port) {
        String base = "https://127.0.0.1:" + port + "/v1/secrets/" + DemoPki.SECRET_NAME;
        return """

                mtls-proxy demo is listening on https://127.0.0.1:%2$d (PKI and config in %1$s)

                The allowed device reads the secret:
                  curl --cacert %1$s/ca.pem --cert %1$s/allowed-client.pem --key %1$s/allowed-client.key %3$s

                The denied device has a valid certificate but no access rule (403):
                  curl --cacert %1$s/ca.pem --cert %1$s/denied-client.pem --key %1$s/denied-client.key %3$s

                Without a certificate the TLS handshake is refused (alert certificate_required):
                  curl --cacert %1$s/ca.pem %3$s

                The origin route, as the Azure Function's PowerShell clients call it:
                  curl --cacert %1$s/ca.pem --cert %1$s/allowed-client.pem --key %1$s/allowed-client.key "https://127.0.0.1:%2$d/api/certificatesecretproxy?SecretName=%4$s"

                PowerShell 7: Invoke-RestMethod -Uri %3$s -Certificate (Get-PfxCertificate %1$s/allowed-client.pfx) (password: %5$s)
                Press Ctrl-C to stop.
                """.formatted(dir, port, base, DemoPki.SECRET_NAME, DemoPki.PFX_PASSWORD);
    }
}
