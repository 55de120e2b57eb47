package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.server.limits.ConnectionRefusals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After N refusals within the window (403s and 401s by identity and address; handshakes the
 * policy refused by address) the client is refused for the lockout's duration, on a fake clock.
 */
class LockoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate deviceA = pki.client("device-a");
    private final IssuedCertificate deviceB = pki.client("device-b");
    private final FakeTicker ticker = new FakeTicker();

    @BeforeEach
    void secretFiles() throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(secrets.resolve("fleet-wifi"), "wifi-psk\n");
        Files.writeString(secrets.resolve("admin-password"), "root-pw\n");
    }

    private RunningGateway start(String lockout) throws Exception {
        return RunningGateway.start(dir, pki, "", """
                access:
                  rules:
                    - name: fleet
                      match: {issuer: ["CN=Test Root, O=mtls-proxy tests"]}
                      secrets: ["fleet-*"]
                secrets:
                  backends:
                    - type: file
                      name: files
                      directory: secrets
                limits:
                  lockout: %s
                """.formatted(lockout), Map.of(), CertificateChecks.EntraCheckFactory.FROM_CONFIG, ticker);
    }

    @Test
    void identityIsLockedOutAfterRepeated403sAndLetInAgainAfterThePeriod() throws Exception {
        try (RunningGateway gateway = start("{maxRefusals: 3, window: 1m, duration: 10m, byIp: false}");
                TlsClient a = gateway.connect(deviceA)) {
            for (int i = 0; i < 3; i++) {
                assertThat(a.get("/v1/secrets/admin-password").status()).isEqualTo(403);
            }

            TlsClient.Response locked = a.get("/v1/secrets/fleet-wifi"); // even a granted secret
            assertThat(locked.status()).isEqualTo(429);
            assertThat(JSON.readTree(locked.body()).at("/error/code").asText()).isEqualTo("locked_out");
            assertThat(locked.header("Retry-After")).isEqualTo("600");
            assertThat(locked.body()).doesNotContain("wifi-psk");
            assertThat(gateway.auditEvents()).last().satisfies(event -> assertThat(event.reason()).isEqualTo("locked_out/identity"));
            assertThat(gateway.gateway.limits().identityLockouts()).isEqualTo(1);

            // the identity is locked, not the connection or the address
            try (TlsClient again = gateway.connect(deviceA); TlsClient b = gateway.connect(deviceB)) {
                assertThat(again.get("/v1/secrets/fleet-wifi").status()).isEqualTo(429);
                assertThat(b.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            }

            ticker.advance(Duration.ofMinutes(9));
            TlsClient.Response stillLocked = a.get("/v1/secrets/fleet-wifi");
            assertThat(stillLocked.status()).isEqualTo(429);
            assertThat(stillLocked.header("Retry-After")).isEqualTo("60");
            ticker.advance(Duration.ofMinutes(1));
            assertThat(a.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
        }
    }

    @Test
    void refusalsOutsideTheWindowDoNotAddUp() throws Exception {
        try (RunningGateway gateway = start("{maxRefusals: 3, window: 1m, duration: 10m}");
                TlsClient a = gateway.connect(deviceA)) {
            assertThat(a.get("/v1/secrets/admin-password").status()).isEqualTo(403);
            assertThat(a.get("/v1/secrets/admin-password").status()).isEqualTo(403);
            ticker.advance(Duration.ofSeconds(61));
            assertThat(a.get("/v1/secrets/admin-password").status()).isEqualTo(403);
            assertThat(a.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            assertThat(gateway.gateway.limits().identityLockouts()).isZero();
        }
    }

    @Test
    void addressWhoseHandshakesThePolicyRefusesIsClosedAtAcceptUntilThePeriodEnds() throws Exception {
        IssuedCertificate rogueRoot = CertificateBuilder.ca("CN=Test Root,O=mtls-proxy tests").selfSigned();
        IssuedCertificate rogue = CertificateBuilder.client("CN=device-a,O=mtls-proxy tests").signedBy(rogueRoot);
        try (RunningGateway gateway = start("{maxRefusals: 2, window: 1m, duration: 5m}")) {
            for (int i = 0; i < 2; i++) {
                try (TlsClient refused = gateway.connect(rogue)) {
                    assertThat(refused.closedByServer()).isTrue(); // TLS 1.3: the alert arrives on the first read
                }
            }
            Eventually.await("the second refusal started the lockout", () -> gateway.gateway.limits().addressLockouts() == 1);

            // now even a valid device from that address is closed before TLS; another address is served
            assertThatThrownBy(() -> gateway.connect(deviceA).close()).isInstanceOf(IOException.class);
            assertThat(gateway.gateway.limits().refusals().count(ConnectionRefusals.Cause.LOCKED_OUT)).isEqualTo(1);
            try (TlsClient other = TlsClient.connectFrom("127.0.0.2", gateway.port(), pki.root.certificate(), deviceA)) {
                assertThat(other.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            }

            ticker.advance(Duration.ofMinutes(5));
            try (TlsClient back = gateway.connect(deviceA)) {
                assertThat(back.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            }
        }
    }
}
