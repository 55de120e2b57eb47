package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.util.ReferenceCounted;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot reload through real sockets and BoringSSL: new connections get the new configuration, open
 * ones keep theirs (and its TLS context, freed after the last of them), a broken file keeps the
 * last good one, and SIGHUP or a changed file triggers it.
 */
class HotReloadTest {
    private static final String SECRETS = """
            secrets:
              backends:
                - type: appsettings
                  values: {wifi-key: "psk-one", admin-pw: "root-pw"}
            """;
    private static final String GRANT_WIFI = """
            access:
              rules:
                - name: fleet
                  match: {anyAuthenticated: true}
                  secrets: [wifi-key]
            """ + SECRETS;
    private static final String GRANT_BOTH = GRANT_WIFI.replace("[wifi-key]", "[wifi-key, admin-pw]");

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final IssuedCertificate device = pki.client("kiosk-1");

    private RunningGateway start(String sections) throws Exception {
        return RunningGateway.start(dir, pki, sections);
    }

    /** A generation's device-listener context: BoringSSL's, reference-counted. */
    private static ReferenceCounted tlsContextOf(Generation generation) {
        assertThat(generation.sslContext).isInstanceOf(ReferenceCountedOpenSslContext.class);
        return (ReferenceCounted) generation.sslContext;
    }

    private static X509Certificate serverCertificateSeenBy(TlsClient client) throws Exception {
        return (X509Certificate) client.socket().getSession().getPeerCertificates()[0];
    }

    /** A new server certificate and key from the same root, written as an operator's renewal would. */
    private IssuedCertificate renewServerCertificate() throws Exception {
        IssuedCertificate renewed = CertificateBuilder.server("CN=localhost,OU=renewed").dns("localhost").ip("127.0.0.1")
                .signedBy(pki.root);
        replace("server.key", renewed.privateKeyPem());
        replace("server.pem", renewed.presentedChainPem());
        return renewed;
    }

    /** Write beside, then rename over: a reader sees the old file or the new one, never half of it. */
    private void replace(String name, String content) throws Exception {
        Path temporary = dir.resolve("." + name + ".tmp");
        Files.writeString(temporary, content);
        Files.move(temporary, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aNewServerCertificateReachesNewConnectionsWhileAnOpenOneKeepsWorking() throws Exception {
        try (RunningGateway gateway = start(GRANT_WIFI); TlsClient open = gateway.connect(device)) {
            assertThat(open.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            Generation openedOn = gateway.gateway.currentGeneration();

            IssuedCertificate renewed = renewServerCertificate();
            ReloadResult result = gateway.gateway.reload();

            assertThat(result.ok()).as(result.problems().toString()).isTrue();
            assertThat(result.generation()).isEqualTo(2);
            assertThat(result.changes()).anySatisfy(change -> assertThat(change).startsWith("server certificate CN=localhost,OU=renewed"));
            assertThat(gateway.gateway.reloads()).isEqualTo(1);
            try (TlsClient fresh = gateway.connect(device)) {
                assertThat(serverCertificateSeenBy(fresh)).isEqualTo(renewed.certificate());
                assertThat(fresh.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            }
            // the keep-alive connection opened before the reload: same session, another request succeeds
            assertThat(serverCertificateSeenBy(open)).isEqualTo(pki.server.certificate());
            TlsClient.Response again = open.get("/v1/secrets/wifi-key");
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.body()).contains("psk-one");
            // on its own generation's TLS context, which it keeps alive: retired, not released
            assertThat(openedOn.isClosed()).isFalse();
            assertThat(tlsContextOf(openedOn).refCnt()).as("the generation's reference and the open connection's engine's")
                    .isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void aRetiredGenerationsTlsContextIsFreedWithItsLastConnectionAndTheCurrentOneWhenTheGatewayStops() throws Exception {
        String noWatcher = "reload: {watchFiles: false}\n"; // only this test's reload makes a generation
        RunningGateway gateway = start(GRANT_WIFI + noWatcher);
        ReferenceCounted current;
        try {
            ReferenceCounted retired;
            try (TlsClient open = gateway.connect(device)) {
                assertThat(open.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
                retired = tlsContextOf(gateway.gateway.currentGeneration());

                RunningGateway.rewriteConfig(dir, "", GRANT_BOTH + noWatcher);
                assertThat(gateway.gateway.reload().ok()).isTrue();

                assertThat(open.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
                assertThat(retired.refCnt()).as("held while a connection opened on it is open").isPositive();
            }
            // the server sees the close, removes the SslHandler (its engine lets go), then releases the generation
            Eventually.await("the retired generation's TLS context freed after its last connection closed",
                    () -> retired.refCnt() == 0);

            current = tlsContextOf(gateway.gateway.currentGeneration());
            try (TlsClient fresh = gateway.connect(device)) {
                assertThat(fresh.get("/v1/secrets/admin-pw").status()).isEqualTo(200);
            }
            assertThat(current.refCnt()).as("the current generation's, until the gateway stops").isPositive();
        } finally {
            gateway.close();
        }
        assertThat(current.refCnt()).as("released by stop, after every connection's engine").isZero();
    }

    @Test
    void aBrokenReloadKeepsTheLastGoodConfigurationAndIsCounted() throws Exception {
        try (RunningGateway gateway = start(GRANT_WIFI)) {
            String goodCertificate = Files.readString(dir.resolve("server.pem"));

            Files.writeString(dir.resolve("server.pem"), "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
            ReloadResult badPem = gateway.gateway.reload();
            Files.writeString(dir.resolve("server.pem"), goodCertificate);

            RunningGateway.rewriteConfig(dir, "", GRANT_WIFI + "listener: {port: [\n");
            ReloadResult badYaml = gateway.gateway.reload();

            RunningGateway.rewriteConfig(dir, "  policy: kiosks", GRANT_BOTH + """
                    policies:
                      kiosks:
                        allOf: [{san: "kiosk.contoso.com"}]
                    """);
            ReloadResult badPolicy = gateway.gateway.reload();

            replace("server.key", CertificateBuilder.server("CN=other").signedBy(pki.root).privateKeyPem());
            RunningGateway.rewriteConfig(dir, "", GRANT_BOTH);
            ReloadResult wrongKey = gateway.gateway.reload();

            assertThat(badPem.ok()).isFalse();
            assertThat(badPem.problems()).singleElement().asString().startsWith("tls.");
            assertThat(badYaml.ok()).isFalse();
            assertThat(badYaml.problems()).singleElement().asString().contains("not valid YAML");
            assertThat(badPolicy.ok()).isFalse();
            assertThat(badPolicy.problems()).anySatisfy(p -> assertThat(p).startsWith("policies.kiosks.allOf[0].san"));
            assertThat(wrongKey.ok()).isFalse();
            assertThat(wrongKey.problems()).singleElement().asString()
                    .startsWith("tls.certificate/privateKey: ").contains("private key does not belong to the first certificate");
            assertThat(gateway.gateway.reloadFailures()).isEqualTo(4);
            assertThat(gateway.gateway.reloads()).isZero();
            assertThat(gateway.gateway.generation()).isEqualTo(1);
            // still the first configuration: the old certificate, the old grants (admin-pw was never granted)
            try (TlsClient client = gateway.connect(device)) {
                assertThat(serverCertificateSeenBy(client)).isEqualTo(pki.server.certificate());
                assertThat(client.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
                assertThat(client.get("/v1/secrets/admin-pw").status()).isEqualTo(403);
            }
        }
    }

    @Test
    void reloadedAccessRulesDecideWhatANewConnectionMayRead() throws Exception {
        try (RunningGateway gateway = start(GRANT_WIFI)) {
            try (TlsClient before = gateway.connect(device)) {
                assertThat(before.get("/v1/secrets/admin-pw").status()).isEqualTo(403);
            }

            RunningGateway.rewriteConfig(dir, "", GRANT_BOTH);
            ReloadResult result = gateway.gateway.reload();

            assertThat(result.ok()).as(result.problems().toString()).isTrue();
            assertThat(result.changes()).containsExactly("access");
            try (TlsClient after = gateway.connect(device)) {
                TlsClient.Response response = after.get("/v1/secrets/admin-pw");
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.body()).contains("root-pw");
            }
        }
    }

    @Test
    void aDeviceOfANewlyTrustedCaConnectsAfterTheReload() throws Exception {
        IssuedCertificate otherRoot = CertificateBuilder.ca("CN=Second Root,O=mtls-proxy tests").selfSigned();
        IssuedCertificate newcomer = CertificateBuilder.client("CN=newcomer,O=mtls-proxy tests").signedBy(otherRoot);
        try (RunningGateway gateway = start(GRANT_WIFI)) {
            assertThatThrownBy(() -> {
                try (TlsClient refused = gateway.connect(newcomer)) {
                    refused.get("/v1/secrets/wifi-key"); // TLS 1.3: the refusal arrives on the first read
                }
            }).isInstanceOfAny(SSLException.class, java.net.SocketException.class);

            Files.writeString(dir.resolve("ca.pem"), pki.root.certificatePem() + otherRoot.certificatePem());
            ReloadResult result = gateway.gateway.reload();

            assertThat(result.ok()).as(result.problems().toString()).isTrue();
            assertThat(result.changes()).anySatisfy(change -> assertThat(change).isEqualTo("trust anchors (2, were 1)"));
            try (TlsClient welcome = gateway.connect(newcomer)) {
                assertThat(welcome.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void settingsThatNeedARestartAreReportedAndTheRestApplied() throws Exception {
        try (RunningGateway gateway = start(GRANT_WIFI)) {
            RunningGateway.rewriteConfig(dir, "  ioThreads: 3", GRANT_BOTH);

            ReloadResult result = gateway.gateway.reload();

            assertThat(result.ok()).isTrue();
            assertThat(result.needsRestart()).containsExactly("listener.ioThreads (running: 0, new: 3)");
            assertThat(result.changes()).contains("listener", "access");
            try (TlsClient client = gateway.connect(device)) {
                assertThat(client.get("/v1/secrets/admin-pw").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void sighupTriggersAReload() throws Exception {
        try (RunningGateway gateway = start(GRANT_WIFI)) {
            CompletableFuture<ReloadResult> reloaded = new CompletableFuture<>();
            gateway.gateway.onReload(reloaded::complete);
            Optional<AutoCloseable> handler = HangupSignal.install(() -> gateway.gateway.reloadAsync("SIGHUP"));
            assumeThat(handler).as("sun.misc.Signal with SIGHUP on this platform").isPresent();
            try {
                RunningGateway.rewriteConfig(dir, "", GRANT_BOTH);
                Process kill;
                try {
                    kill = new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid()))
                            .redirectErrorStream(true).start();
                } catch (java.io.IOException noKill) {
                    assumeThat(noKill).as("a kill command to send SIGHUP with").isNull();
                    return;
                }
                assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(kill.exitValue()).isZero();

                ReloadResult result = reloaded.get(20, TimeUnit.SECONDS);

                assertThat(result.trigger()).isEqualTo("SIGHUP");
                assertThat(result.ok()).as(result.problems().toString()).isTrue();
                try (TlsClient client = gateway.connect(device)) {
                    assertThat(client.get("/v1/secrets/admin-pw").status()).isEqualTo(200);
                }
            } finally {
                handler.get().close();
            }
        }
    }

    @Test
    void aChangedCertificateFileTriggersAReload() throws Exception {
        try (RunningGateway gateway = start(GRANT_WIFI + "reload: {debounce: 100ms}\n")) {
            CompletableFuture<ReloadResult> reloaded = new CompletableFuture<>();
            gateway.gateway.onReload(result -> {
                if (result.ok()) {
                    reloaded.complete(result);
                }
            });

            IssuedCertificate renewed = renewServerCertificate();
            ReloadResult result = reloaded.get(20, TimeUnit.SECONDS);

            assertThat(result.trigger()).isEqualTo("file change");
            try (TlsClient fresh = gateway.connect(device)) {
                assertThat(serverCertificateSeenBy(fresh)).isEqualTo(renewed.certificate());
            }
        }
    }

    /** Kubernetes mounts a secret as name -> ..data/name, and swaps the ..data symlink to update all files at once. */
    @Test
    void aKubernetesSecretSwapTriggersAReload() throws Exception {
        Path mount = dir.resolve("tls-mount");
        Path first = Files.createDirectories(mount.resolve("..2026_12_01_10_00_00.0001"));
        Files.writeString(first.resolve("tls.crt"), pki.server.presentedChainPem());
        Files.writeString(first.resolve("tls.key"), pki.server.privateKeyPem());
        Files.createSymbolicLink(mount.resolve("..data"), first.getFileName());
        Files.createSymbolicLink(mount.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Files.createSymbolicLink(mount.resolve("tls.key"), Path.of("..data/tls.key"));
        String sections = GRANT_WIFI + "reload: {debounce: 100ms}\n";
        try (RunningGateway gateway = start(sections)) {
            Files.writeString(dir.resolve("config.yaml"), Files.readString(dir.resolve("config.yaml"))
                    .replace("certificate: server.pem", "certificate: tls-mount/tls.crt")
                    .replace("privateKey: server.key", "privateKey: tls-mount/tls.key"));
            assertThat(gateway.gateway.reload().ok()).isTrue();
            CompletableFuture<ReloadResult> reloaded = new CompletableFuture<>();
            gateway.gateway.onReload(result -> {
                if (result.ok() && !"admin".equals(result.trigger())) {
                    reloaded.complete(result);
                }
            });

            IssuedCertificate renewed = CertificateBuilder.server("CN=localhost,OU=k8s").dns("localhost").ip("127.0.0.1")
                    .signedBy(pki.root);
            Path second = Files.createDirectories(mount.resolve("..2026_12_02_10_00_00.0002"));
            Files.writeString(second.resolve("tls.crt"), renewed.presentedChainPem());
            Files.writeString(second.resolve("tls.key"), renewed.privateKeyPem());
            Files.createSymbolicLink(mount.resolve("..data_tmp"), second.getFileName());
            Files.move(mount.resolve("..data_tmp"), mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

            ReloadResult result = reloaded.get(20, TimeUnit.SECONDS);

            assertThat(result.trigger()).isEqualTo("file change");
            try (TlsClient fresh = gateway.connect(device)) {
                assertThat(serverCertificateSeenBy(fresh)).isEqualTo(renewed.certificate());
            }
        }
    }

    @Test
    void aConnectionOpenedBeforeTheReloadStillLosesARevokedDevice() throws Exception {
        Path denyList = dir.resolve("deny.txt");
        Files.writeString(denyList, "# none\n");
        try (RunningGateway gateway = start(GRANT_WIFI); TlsClient open = gateway.connect(device)) {
            assertThat(open.get("/v1/secrets/wifi-key").status()).isEqualTo(200);

            RunningGateway.rewriteConfig(dir, "", GRANT_WIFI + """
                    revocation:
                      denyList:
                        serials: ["%s"]
                    """.formatted(device.certificate().getSerialNumber().toString(16)));
            ReloadResult result = gateway.gateway.reload();

            assertThat(result.ok()).as(result.problems().toString()).isTrue();
            assertThat(open.closedByServer()).as("the reload's revocation sweep closes the revoked device's connection").isTrue();
        }
    }

    @Test
    void aReloadReReadsTheCrlFilesRefusingAndDisconnectingANewlyRevokedDevice() throws Exception {
        RevocationGatewayTest.writeCrl(dir.resolve("root.crl"), pki.root, java.math.BigInteger.valueOf(4711));
        String sections = GRANT_WIFI + """
                revocation:
                  crlFiles: [root.crl]
                reload: {watchFiles: false}
                """;
        try (RunningGateway gateway = start(sections); TlsClient open = gateway.connect(device)) {
            assertThat(open.get("/v1/secrets/wifi-key").status()).isEqualTo(200);

            RevocationGatewayTest.writeCrl(dir.resolve("root.crl"), pki.root, device.certificate().getSerialNumber());
            ReloadResult result = gateway.gateway.reload();

            assertThat(result.ok()).as(result.problems().toString()).isTrue();
            assertThat(result.changes()).isEmpty(); // the same settings: only a file's content changed
            assertThat(open.closedByServer()).isTrue();
            assertThatThrownBy(() -> {
                try (TlsClient again = gateway.connect(device)) {
                    again.get("/v1/secrets/wifi-key");
                }
            }).isInstanceOf(SSLException.class).hasMessageContaining("certificate_revoked");
        }
    }

    @Test
    void newBackendSettingsServeNewConnectionsWhileAnOpenOneKeepsItsBackend() throws Exception {
        try (RunningGateway gateway = start(GRANT_WIFI); TlsClient open = gateway.connect(device)) {
            assertThat(open.get("/v1/secrets/wifi-key").body()).contains("psk-one");

            RunningGateway.rewriteConfig(dir, "", GRANT_WIFI.replace("psk-one", "psk-two"));
            ReloadResult result = gateway.gateway.reload();

            assertThat(result.changes()).containsExactly("secrets");
            try (TlsClient fresh = gateway.connect(device)) {
                assertThat(fresh.get("/v1/secrets/wifi-key").body()).contains("psk-two");
            }
            TlsClient.Response old = open.get("/v1/secrets/wifi-key");
            assertThat(old.status()).isEqualTo(200);
            assertThat(old.body()).as("the connection keeps the generation it was opened with").contains("psk-one");
        }
    }

    @Test
    void connectionsStillOpenOnARetiredGenerationAreClosedAfterTheDrainGrace() throws Exception {
        String sections = GRANT_WIFI + "reload: {drainGrace: 200ms}\n";
        try (RunningGateway gateway = start(sections); TlsClient open = gateway.connect(device)) {
            assertThat(open.get("/v1/secrets/wifi-key").status()).isEqualTo(200);

            RunningGateway.rewriteConfig(dir, "", GRANT_BOTH + "reload: {drainGrace: 200ms}\n");
            assertThat(gateway.gateway.reload().ok()).isTrue();

            // blocks until the server closes it (bounded by the client's read timeout)
            assertThat(open.closedByServer()).isTrue();
            try (TlsClient fresh = gateway.connect(device)) {
                assertThat(fresh.get("/v1/secrets/admin-pw").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void environmentConfigurationReloadsTheFilesItNames() throws Exception {
        pki.writeServerFiles(dir);
        Map<String, String> env = Map.of(
                "MTLSPROXY_LISTENER__BIND", "127.0.0.1", "MTLSPROXY_LISTENER__PORT", "0",
                "MTLSPROXY_TLS__CERTIFICATE", dir.resolve("server.pem").toString(),
                "MTLSPROXY_TLS__PRIVATEKEY", dir.resolve("server.key").toString(),
                "MTLSPROXY_TLS__TRUSTANCHORS__0", dir.resolve("ca.pem").toString(),
                "MTLSPROXY_RELOAD__WATCHFILES", "false",
                "ALLOWED_CLIENT_CERTS", io.mtlsproxy.core.identity.Thumbprints.sha1Hex(device.certificate()),
                "VAR_wifi-key", "psk-env");
        io.mtlsproxy.core.config.ConfigLoader loader = new io.mtlsproxy.core.config.ConfigLoader(env);
        try (Gateway gateway = Gateway.start(ConfigSource.environment(loader), loader.loadFromEnvironment(), env, e -> { })) {
            IssuedCertificate renewed = renewServerCertificate();

            assertThat(gateway.reload().ok()).isTrue();
            try (TlsClient fresh = TlsClient.connect(gateway.port(), pki.root.certificate(), device)) {
                assertThat(serverCertificateSeenBy(fresh)).isEqualTo(renewed.certificate());
                assertThat(fresh.get("/v1/secrets/wifi-key").status()).isEqualTo(200);
            }
        }
    }
}
