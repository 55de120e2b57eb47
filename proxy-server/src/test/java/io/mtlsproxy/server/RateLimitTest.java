package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token-bucket rate limits per identity and per client address: 429 with Retry-After, and recovery, on a fake clock. */
class RateLimitTest {
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
    }

    private RunningGateway start(String limits) throws Exception {
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
                """ + limits, Map.of(), CertificateChecks.EntraCheckFactory.FROM_CONFIG, ticker);
    }

    @Test
    void identityOverItsRateGets429WithRetryAfterAndRecoversWhenTokensRefill() throws Exception {
        try (RunningGateway gateway = start("  perIdentity: {rate: 0.5, burst: 2}\n");
                TlsClient a = gateway.connect(deviceA)) {
            assertThat(a.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            assertThat(a.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);

            TlsClient.Response limited = a.get("/v1/secrets/fleet-wifi");
            assertThat(limited.status()).isEqualTo(429);
            assertThat(JSON.readTree(limited.body()).at("/error/code").asText()).isEqualTo("rate_limited");
            assertThat(limited.header("Retry-After")).isEqualTo("2"); // one token every 2 s
            assertThat(limited.body()).doesNotContain("wifi-psk");
            assertThat(gateway.auditEvents()).last().satisfies(event -> {
                assertThat(event.outcome()).isEqualTo(AuditEvent.Outcome.DENY);
                assertThat(event.status()).isEqualTo(429);
                assertThat(event.reason()).isEqualTo("rate_limited/identity");
                assertThat(event.secretName()).isEqualTo("fleet-wifi");
            });

            // the bucket is the identity's, not the connection's: a new connection does not reset it
            try (TlsClient again = gateway.connect(deviceA)) {
                assertThat(again.get("/v1/secrets/fleet-wifi").status()).isEqualTo(429);
            }
            // another device has its own bucket
            try (TlsClient b = gateway.connect(deviceB)) {
                assertThat(b.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            }

            ticker.advance(Duration.ofMillis(1_900));
            assertThat(a.get("/v1/secrets/fleet-wifi").status()).isEqualTo(429);
            ticker.advance(Duration.ofMillis(100));
            assertThat(a.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            assertThat(a.get("/v1/secrets/fleet-wifi").status()).isEqualTo(429);
            assertThat(gateway.gateway.limits().requests().identityRateLimited()).isEqualTo(4);
            assertThat(new AdminClient(gateway.gateway).scrape().value("mtls_proxy_requests_rate_limited_total", "by", "identity"))
                    .isEqualTo(4.0);
        }
    }

    @Test
    void addressOverItsRateGets429WhateverTheIdentity() throws Exception {
        try (RunningGateway gateway = start("  perIp: {rate: 1, burst: 2}\n");
                TlsClient a = gateway.connect(deviceA);
                TlsClient b = gateway.connect(deviceB)) {
            assertThat(a.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            assertThat(b.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            TlsClient.Response limited = b.get("/api/certificatesecretproxy?SecretName=fleet-wifi");
            assertThat(limited.status()).isEqualTo(429);
            assertThat(JSON.readTree(limited.body()).at("/error/code").asText()).isEqualTo("rate_limited");
            assertThat(limited.header("Retry-After")).isEqualTo("1");
            assertThat(gateway.auditEvents()).last().satisfies(event -> assertThat(event.reason()).isEqualTo("rate_limited/address"));

            // another address is not limited by this one's bucket
            try (TlsClient other = TlsClient.connectFrom("127.0.0.2", gateway.port(), pki.root.certificate(), deviceA)) {
                assertThat(other.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            }

            ticker.advance(Duration.ofSeconds(1));
            assertThat(a.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            assertThat(gateway.gateway.limits().requests().addressRateLimited()).isEqualTo(1);
        }
    }

    @Test
    void withoutLimitsNothingIsRefused() throws Exception {
        try (RunningGateway gateway = start("  maxConnections: 0\n"); TlsClient a = gateway.connect(deviceA)) {
            for (int i = 0; i < 50; i++) {
                assertThat(a.get("/v1/secrets/fleet-wifi").status()).isEqualTo(200);
            }
        }
    }
}
