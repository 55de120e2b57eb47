package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.mtlsproxy.core.identity.Thumbprints;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device listener refuses bad client certificates during the TLS handshake with the alert
 * OpenSSL would send for the same fault, and lets good ones through to the API.
 */
class ClientCertificateHandshakeTest {
    private static final String GRANT_ALL = """
            access:
              rules:
                - name: all-devices
                  match: {anyAuthenticated: true}
                  secrets: ["*"]
            secrets:
              backends:
                - type: appsettings
                  values: {wifi-key: "correct horse"}
            """;

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();

    @Test
    void deviceWithValidCertificateReadsSecret() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, GRANT_ALL);
                TlsClient client = gateway.connect(pki.client("device-1"))) {
            TlsClient.Response response = client.get("/v1/secrets/wifi-key");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).contains("\"value\":\"correct horse\"");
            assertThat(client.socket().getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void deviceIssuedByIntermediateIsAccepted() throws Exception {
        IssuedCertificate device = CertificateBuilder.client("CN=device-2").signedBy(pki.deviceCa);
        try (RunningGateway gateway = RunningGateway.start(dir, pki, GRANT_ALL);
                TlsClient client = gateway.connect(device)) {
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
        }
    }

    @Test
    void tls12IsAccepted() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, GRANT_ALL);
                TlsClient client = TlsClient.connect(gateway.port(), pki.root.certificate(), pki.client("d"), "TLSv1.2")) {
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            assertThat(client.socket().getSession().getCipherSuite()).contains("GCM");
        }
    }

    @Test
    void jdkProviderWorksWhenChosenExplicitly() throws Exception {
        IssuedCertificate expired = CertificateBuilder.client("CN=old-device")
                .validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)))
                .signedBy(pki.root);
        try (RunningGateway gateway = RunningGateway.start(dir, pki, "  tlsProvider: jdk", GRANT_ALL, java.util.Map.of())) {
            try (TlsClient client = gateway.connect(pki.client("device-1"))) {
                assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            }
            Throwable refused = catchThrowable(() -> {
                try (TlsClient client = gateway.connect(expired)) {
                    client.get("/v1/secrets/wifi-key");
                }
            });
            // the JDK's TLS stack reports every refused client certificate as certificate_unknown
            assertThat(refused).isInstanceOf(SSLException.class).hasMessageContaining("Received fatal alert");
        }
    }

    @Test
    void tls11IsRefused() throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, GRANT_ALL)) {
            Throwable failure = catchThrowable(() ->
                    TlsClient.connect(gateway.port(), pki.root.certificate(), pki.client("d"), "TLSv1.1").close());
            assertThat(failure).isInstanceOf(SSLException.class);
        }
    }

    @Test
    void expiredCertificateGetsCertificateExpired() throws Exception {
        IssuedCertificate expired = CertificateBuilder.client("CN=old-device")
                .validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)))
                .signedBy(pki.root);
        assertAlert(expired, GRANT_ALL, "certificate_expired");
    }

    @Test
    void notYetValidCertificateGetsBadCertificate() throws Exception {
        IssuedCertificate future = CertificateBuilder.client("CN=future-device")
                .validity(Instant.now().plus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)))
                .signedBy(pki.root);
        assertAlert(future, GRANT_ALL, "bad_certificate");
    }

    @Test
    void rogueRootWithTheTrustedRootsNameGetsUnknownCa() throws Exception {
        IssuedCertificate rogueRoot = CertificateBuilder.ca("CN=Test Root,O=mtls-proxy tests").selfSigned();
        IssuedCertificate rogueDevice = CertificateBuilder.client("CN=device-1,O=mtls-proxy tests").signedBy(rogueRoot);
        assertAlert(rogueDevice, GRANT_ALL, "unknown_ca");
    }

    @Test
    void serverAuthOnlyCertificateGetsUnsupportedCertificate() throws Exception {
        IssuedCertificate wrongEku = CertificateBuilder.client("CN=device-1")
                .extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).signedBy(pki.root);
        assertAlert(wrongEku, GRANT_ALL, "unsupported_certificate");
    }

    @Test
    void noCertificateGetsCertificateRequired() throws Exception {
        assertAlert(null, GRANT_ALL, "certificate_required");
    }

    @Test
    void certificateMissingFromAllowlistGetsBadCertificate() throws Exception {
        IssuedCertificate listed = pki.client("listed");
        IssuedCertificate other = pki.client("other");
        String config = "policy:\n  allowedThumbprints: [\"" + Thumbprints.sha1Hex(listed.certificate()).toUpperCase() + "\"]\n"
                + GRANT_ALL;
        assertAlert(other, config, "bad_certificate");
        try (RunningGateway gateway = RunningGateway.start(dir, pki, config);
                TlsClient client = gateway.connect(listed)) {
            assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
        }
    }

    @Test
    void refusedDeviceNeverReachesTheApi() throws Exception {
        IssuedCertificate expired = CertificateBuilder.client("CN=old-device")
                .validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)))
                .signedBy(pki.root);
        try (RunningGateway gateway = RunningGateway.start(dir, pki, GRANT_ALL)) {
            catchThrowable(() -> {
                try (TlsClient client = gateway.connect(expired)) {
                    client.get("/v1/secrets/wifi-key");
                }
            });
            assertThat(gateway.auditEvents()).isEmpty();
        }
    }

    private void assertAlert(IssuedCertificate device, String config, String alert) throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, config)) {
            Throwable failure = catchThrowable(() -> {
                try (TlsClient client = gateway.connect(device)) {
                    // TLS 1.3: a refused client learns it on its first read. It reads without writing: a
                    // request sent after the server closed could meet a reset that discards the alert.
                    client.read();
                }
            });
            assertThat(failure).isInstanceOf(SSLException.class).hasMessageContaining("Received fatal alert: " + alert);
        }
    }
}
