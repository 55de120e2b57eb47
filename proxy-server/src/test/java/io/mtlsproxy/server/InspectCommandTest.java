package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.pki.KeyPairs;
import io.mtlsproxy.server.cli.MtlsProxyCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code mtls-proxy inspect}: every check's verdict and the decision, exit 0 when allowed and 1 when
 * refused, 2 for a bad configuration or usage; offline, without the server's private key.
 */
class InspectCommandTest {
    private static final String KIOSKS_POLICY = """
            policies:
              kiosks:
                allOf:
                  - subject: "CN=kiosk-*,OU=Kiosks,O=Contoso"
                  - anyOf:
                      - san: "dns:*.kiosks.contoso.com"
                      - ou: "Kiosks"
            """;

    @TempDir
    Path dir;

    private final IssuedCertificate root = CertificateBuilder.ca("CN=Inspect Root,O=Contoso").selfSigned();
    private final IssuedCertificate issuing = CertificateBuilder.ca("CN=Inspect Devices,O=Contoso").signedBy(root);

    @BeforeEach
    void writeTrustAnchorAndConfig() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), root.certificatePem());
        writeConfig("listener: {policy: kiosks}\n" + KIOSKS_POLICY);
    }

    /** The server's certificate and key files do not exist: inspect must not need them. */
    private Path writeConfig(String extra) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                tls:
                  certificate: missing-server.pem
                  privateKey: missing-server.key
                  trustAnchors: [ca.pem]
                """ + extra);
        return config;
    }

    private Path write(String name, String pem) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, pem);
        return file;
    }

    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = MtlsProxyCommand.newCommandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void anAllowedDevicePrintsEveryCheckAndExits0() throws Exception {
        IssuedCertificate kiosk = CertificateBuilder.client("CN=kiosk-7,OU=Kiosks,O=Contoso").dns("kiosk-7.kiosks.contoso.com")
                .signedBy(issuing);
        Path leaf = write("kiosk.pem", kiosk.certificatePem());
        Path chain = write("chain.pem", issuing.certificatePem());

        Run run = run("inspect", "--config", dir.resolve("config.yaml").toString(), leaf.toString(), "--chain", chain.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("certificate: CN=kiosk-7,OU=Kiosks,O=Contoso")
                .contains("  san:       dns:kiosk-7.kiosks.contoso.com")
                .contains("  chain[1]:  CN=Inspect Devices,O=Contoso")
                .contains("policy:      the policy section + policies.kiosks (listener.mode enforce)")
                .contains("""
                        validity: PASS
                        chain-depth: PASS - at most 5 certificates
                        key-strength: PASS - every key of the chain meets RSA >= 2048 bits, EC >= 256 bits
                        signature-algorithm: PASS - no signature of the chain uses SHA1, MD5
                        chain: PASS
                        client-auth-eku: PASS
                        policies.kiosks: PASS - all 2 passed
                          subject: PASS - matches 'CN=kiosk-*,OU=Kiosks,O=Contoso'
                          anyOf: PASS - matched: san, ou
                            san: PASS - matches 'dns:*.kiosks.contoso.com'
                            ou: PASS - matches 'Kiosks'
                        decision: ALLOW
                        """)
                .doesNotContain("note:");
    }

    @Test
    void aRefusedDeviceShowsEveryFailureAndExits1() throws Exception {
        IssuedCertificate printer = CertificateBuilder.client("CN=printer-1,OU=Printers,O=Contoso").keyPair(KeyPairs.rsa(1024))
                .signedBy(issuing);
        Path leafAndChain = write("printer.pem", printer.presentedChainPem());

        Run run = run("inspect", "--config", dir.resolve("config.yaml").toString(), leafAndChain.toString());

        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(run.out())
                .contains("key-strength: FAIL weak_key - leaf 'CN=printer-1,OU=Printers,O=Contoso' has a 1024-bit RSA key "
                        + "(at least 2048 required)")
                .contains("chain: PASS")
                .contains("""
                        policies.kiosks: FAIL rule_mismatch - failed: subject, anyOf
                          subject: FAIL rule_mismatch - subject 'CN=printer-1,OU=Printers,O=Contoso' matches none of ['CN=kiosk-*,OU=Kiosks,O=Contoso']
                          anyOf: FAIL rule_mismatch - none of 2 matched
                            san: FAIL rule_mismatch - no DNS, URI, e-mail or IP SAN; wanted one matching ['dns:*.kiosks.contoso.com']
                            ou: FAIL rule_mismatch - OU ['Printers'] matches none of ['Kiosks']
                        decision: DENY (weak_key)
                        """);
    }

    @Test
    void aDeviceOfAnotherCaIsRefusedAsUnknownCa() throws Exception {
        IssuedCertificate stranger = CertificateBuilder.client("CN=kiosk-7,OU=Kiosks,O=Contoso")
                .signedBy(CertificateBuilder.ca("CN=Inspect Root,O=Contoso").selfSigned());
        Path leaf = write("stranger.pem", stranger.certificatePem());

        Run run = run("inspect", "-c", dir.resolve("config.yaml").toString(), leaf.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("chain: FAIL unknown_ca - no path from 'CN=kiosk-7,OU=Kiosks,O=Contoso'")
                .endsWith("decision: DENY (unknown_ca)" + System.lineSeparator());
    }

    @Test
    void saysThatTheEntraCheckIsNotEvaluatedOffline() throws Exception {
        writeConfig("""
                listener: {policy: entra-kiosks, mode: audit}
                policies:
                  entra-kiosks:
                    allOf: [{entraDevice: {}}, {cn: "kiosk-*"}]
                """);
        Path leaf = write("kiosk.pem", CertificateBuilder.client("CN=kiosk-1").signedBy(root).certificatePem());
        Path other = write("other.pem", CertificateBuilder.client("CN=printer-1").signedBy(root).certificatePem());

        Run allowed = run("inspect", "--config", dir.resolve("config.yaml").toString(), leaf.toString());
        Run refused = run("inspect", "--config", dir.resolve("config.yaml").toString(), other.toString());

        assertThat(allowed.exitCode()).isZero();
        assertThat(allowed.out()).contains("decision: ALLOW").contains("note: policies.entra-kiosks requires entraDevice: the Entra "
                + "device check asks Microsoft Graph after the handshake and is not evaluated offline; the device may still be refused by it");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.out()).contains("note: listener.mode is audit");
    }

    @Test
    void showsEachRoutesOwnPolicy() throws Exception {
        writeConfig(KIOSKS_POLICY + "api: {policy: kiosks, mode: audit}\n");
        Path printer = write("printer.pem", CertificateBuilder.client("CN=printer-1,OU=Printers,O=Contoso")
                .signedBy(issuing).presentedChainPem());

        Run run = run("inspect", "--config", dir.resolve("config.yaml").toString(), printer.toString());

        assertThat(run.exitCode()).as("the listener admits it").isZero();
        assertThat(run.out()).contains("policy:      the policy section (listener.mode enforce)")
                .contains("""
                        route api: + policies.kiosks (api.mode audit)
                        policies.kiosks: FAIL rule_mismatch - failed: subject, anyOf
                        """)
                .endsWith("decision: DENY (rule_mismatch)" + System.lineSeparator())
                .doesNotContain("route origin");
    }

    @Test
    void aBadConfigurationExits2AndNamesThePath() throws Exception {
        Path config = writeConfig("""
                listener: {policy: kiosks}
                policies:
                  kiosks:
                    allOf: [{subject: "CN=kiosk-*"}, {anyOf: [{san: "kiosk.contoso.com"}]}]
                """);
        Path leaf = write("kiosk.pem", CertificateBuilder.client("CN=kiosk-1").signedBy(root).certificatePem());

        Run run = run("inspect", "--config", config.toString(), leaf.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("policies.kiosks.allOf[1].anyOf[0].san: 'kiosk.contoso.com': write kind:pattern");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void usageErrorsExit2() throws Exception {
        assertThat(run("inspect", "--config", dir.resolve("config.yaml").toString()).exitCode()).as("no certificate").isEqualTo(2);
        Run missing = run("inspect", "--config", dir.resolve("config.yaml").toString(), dir.resolve("nope.pem").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.pem");
        Path notPem = write("not.pem", "hello");
        assertThat(run("inspect", "--config", dir.resolve("config.yaml").toString(), notPem.toString()).exitCode()).isEqualTo(2);
    }
}
