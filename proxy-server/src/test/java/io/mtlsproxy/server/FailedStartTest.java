package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.ConfigLoader;
import io.mtlsproxy.core.config.GatewayConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start that fails after TLS contexts were built (BoringSSL's, reference-counted) names the
 * setting and leaves nothing behind: the paranoid leak detector, drained after every test
 * (NettyLeakDetectionExtension), fails these tests if a context built on the way was not released.
 */
class FailedStartTest {
    private static final String SECRETS = """
            access:
              rules:
                - {name: fleet, match: {anyAuthenticated: true}, secrets: [wifi-key]}
            secrets:
              backends: [{type: appsettings, values: {wifi-key: "psk-one"}}]
            """;

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();

    /** The configuration as `serve` loads it: valid, so what fails is building or binding. */
    private GatewayConfig load(String sections) throws Exception {
        pki.writeServerFiles(dir);
        RunningGateway.rewriteConfig(dir, "", sections);
        return new ConfigLoader(Map.of()).load(dir.resolve("config.yaml"));
    }

    @Test
    void aProxyRouteThatCannotBeBuiltAfterTheListenersContextFailsTheStart() throws Exception {
        // the signing key is read with the generation, after the device listener's context is built
        GatewayConfig config = load(ReverseProxyForwardingTest.config("""
                - name: app
                  pathPrefix: /app
                  upstream: {targets: ["https://127.0.0.1:9443"], tls: {trustedCa: ca.pem}}
                  identityHeaders:
                    signing: {keyFile: missing.key}
                """));

        assertThatThrownBy(() -> Gateway.start(config, Map.of(), event -> { }).close()).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("proxy.routes[0].identityHeaders.signing.keyFile: ");
    }

    @Test
    void anAdminListenerWithTlsThatCannotBindFailsTheStart() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // the admin listener binds last, with the device listener's and its own contexts built
            GatewayConfig config = load(SECRETS + """
                    admin:
                      bind: 127.0.0.1
                      port: %d
                      tls: {certificate: server.pem, privateKey: server.key, trustAnchors: [ca.pem]}
                    """.formatted(taken.getLocalPort()));

            assertThatThrownBy(() -> Gateway.start(config, Map.of(), event -> { }).close()).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("admin: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }
}
