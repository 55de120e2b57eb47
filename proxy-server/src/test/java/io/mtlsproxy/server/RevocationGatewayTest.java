package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.mtlsproxy.core.identity.Thumbprints;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.pki.PemFiles;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Revocation through the whole gateway: a CRL refuses in the handshake, a deny-list entry closes a live connection. */
class RevocationGatewayTest {
    private static final String GRANT_ALL = """
            access:
              rules: [{name: all, match: {anyAuthenticated: true}, secrets: ["*"]}]
            secrets:
              backends: [{type: appsettings, values: {wifi-key: "psk-1"}}]
            """;

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();

    @Test
    void deviceOnTheCrlGetsCertificateRevoked() throws Exception {
        IssuedCertificate good = pki.client("good-device");
        IssuedCertificate revoked = pki.client("stolen-device");
        writeCrl(dir.resolve("root.crl"), pki.root, revoked.certificate().getSerialNumber());
        String config = """
                revocation:
                  crlFiles: [root.crl]
                """ + GRANT_ALL;
        try (RunningGateway gateway = RunningGateway.start(dir, pki, config)) {
            try (TlsClient client = gateway.connect(good)) {
                assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            }
            Throwable refused = catchThrowable(() -> {
                try (TlsClient client = gateway.connect(revoked)) {
                    client.get("/v1/secrets/wifi-key");
                }
            });
            assertThat(refused).isInstanceOf(SSLException.class).hasMessageContaining("certificate_revoked");
            assertThat(gateway.gateway.refusals().refusals("revoked")).isEqualTo(1);
        }
    }

    @Test
    void denyListEntryClosesTheLiveConnectionAndRefusesTheNextHandshake() throws Exception {
        IssuedCertificate device = pki.client("lost-device");
        Path denyList = dir.resolve("deny.txt");
        Files.writeString(denyList, "# nothing denied yet\n");
        String config = """
                revocation:
                  denyList:
                    file: deny.txt
                """ + GRANT_ALL;
        try (RunningGateway gateway = RunningGateway.start(dir, pki, config);
                TlsClient client = gateway.connect(device)) {
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);

            Files.writeString(denyList, "sha256:" + Thumbprints.sha256Hex(device.certificate()) + "\n");

            client.socket().setSoTimeout((int) TimeUnit.SECONDS.toMillis(15)); // the file is polled every 2 s
            assertThat(client.closedByServer()).isTrue();
            Throwable refused = catchThrowable(() -> {
                try (TlsClient again = gateway.connect(device)) {
                    again.get("/v1/secrets/wifi-key");
                }
            });
            assertThat(refused).isInstanceOf(SSLException.class).hasMessageContaining("certificate_revoked");
        }
    }

    static void writeCrl(Path file, IssuedCertificate issuer, BigInteger revokedSerial) throws Exception {
        Instant now = Instant.now();
        X509v2CRLBuilder builder = new JcaX509v2CRLBuilder(issuer.certificate().getSubjectX500Principal(),
                Date.from(now.minus(Duration.ofMinutes(5))));
        builder.setNextUpdate(Date.from(now.plus(Duration.ofDays(1))));
        builder.addCRLEntry(revokedSerial, Date.from(now.minus(Duration.ofMinutes(1))), CRLReason.keyCompromise);
        var crl = new JcaX509CRLConverter().getCRL(builder.build(
                new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.keyPair().getPrivate())));
        Files.writeString(file, PemFiles.toPem(crl));
    }
}
