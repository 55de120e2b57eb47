package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.config.ConfigLoader;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.pki.PemFiles;
import io.mtlsproxy.server.cli.MtlsProxyCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mtls-proxy pki}: the CA, server and client it issues work together through the gateway. */
class PkiCommandTest {
    @TempDir
    Path dir;

    @Test
    void issuedCertificatesWorkEndToEnd() throws Exception {
        Path pki = dir.resolve("pki");
        assertThat(MtlsProxyCommand.newCommandLine().execute("pki", "ca", "--dir", pki.toString())).isZero();
        assertThat(MtlsProxyCommand.newCommandLine().execute("pki", "server", "--ca-dir", pki.toString(),
                "--dns", "localhost", "--ip", "127.0.0.1")).isZero();
        assertThat(MtlsProxyCommand.newCommandLine().execute("pki", "client", "--ca-dir", pki.toString(),
                "--name", "kiosk-7")).isZero();
        assertThat(MtlsProxyCommand.newCommandLine().execute("pki", "client", "--ca-dir", pki.toString(),
                "--name", "../escape")).isEqualTo(2);

        Files.writeString(dir.resolve("config.yaml"), """
                listener: {bind: 127.0.0.1, port: 0}
                admin: {port: 0}
                tls: {certificate: pki/server.pem, privateKey: pki/server.key, trustAnchors: [pki/ca.pem]}
                access:
                  rules: [{name: kiosks, match: {subject: ["CN=kiosk-*"]}, secrets: ["wifi"]}]
                secrets:
                  backends: [{type: appsettings, values: {wifi: "psk"}}]
                """);
        Gateway gateway = Gateway.start(new ConfigLoader(Map.of()).load(dir.resolve("config.yaml")), Map.of(), e -> { });
        var chain = PemFiles.readCertificates(pki.resolve("kiosk-7.pem"));
        var key = PemFiles.readPrivateKey(pki.resolve("kiosk-7.key"), null);
        IssuedCertificate kiosk = new IssuedCertificate(new KeyPair(chain.get(0).getPublicKey(), key), chain);
        try (TlsClient client = TlsClient.connect(gateway.port(),
                PemFiles.readCertificates(pki.resolve("ca.pem")).get(0), kiosk)) {
            assertThat(client.get("/v1/secrets/wifi").body()).contains("\"value\":\"psk\"");
        } finally {
            gateway.stop(Duration.ofSeconds(1));
        }
    }
}
