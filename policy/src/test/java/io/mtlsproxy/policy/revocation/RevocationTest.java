package io.mtlsproxy.policy.revocation;

import static io.mtlsproxy.policy.revocation.RevocationPki.NOW;
import static io.mtlsproxy.policy.revocation.RevocationPki.client;
import static io.mtlsproxy.policy.revocation.RevocationPki.identity;
import static io.mtlsproxy.policy.revocation.RevocationPki.root;
import static io.mtlsproxy.policy.revocation.RevocationPki.trust;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.RevocationConfig;
import io.mtlsproxy.core.config.RevocationConfig.DenyListConfig;
import io.mtlsproxy.core.config.RevocationConfig.OcspConfig;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.policy.TrustMaterial;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RevocationTest {
    private final IssuedCertificate root = root("CN=Devices Root");
    private final FakeClock clock = new FakeClock(NOW);
    private final ManualScheduler scheduler = new ManualScheduler(clock);

    @TempDir
    Path dir;

    @Test
    void nothingConfiguredBuildsNoCheck() throws Exception {
        try (Revocation revocation = Revocation.fromConfig(RevocationConfig.disabled(), trust(root), clock, scheduler)) {
            assertThat(revocation.enabled()).isFalse();
            assertThat(revocation.handshakeCheck()).isNull();
            assertThat(revocation.ocspCheck()).isNull();
            assertThat(revocation.start()).isDone();
            assertThat(revocation.isRevoked(identity(client("CN=kiosk-1", root)))).isFalse();
            assertThat(scheduler.pending()).isZero();
        }
    }

    @Test
    void eachCheckExistsOnlyWhenItsSourceIsConfigured() throws Exception {
        RevocationConfig ocspOnly = new RevocationConfig(null, null, null, null, null,
                new OcspConfig(true, URI.create("http://ocsp.example"), null, null, null), null);
        RevocationConfig denyOnly = new RevocationConfig(null, null, null, null, null, null,
                new DenyListConfig(List.of("1a"), null, null, null));

        try (Revocation ocsp = Revocation.fromConfig(ocspOnly, trust(root), clock, scheduler);
                Revocation deny = Revocation.fromConfig(denyOnly, trust(root), clock, scheduler)) {
            assertThat(ocsp.handshakeCheck()).isNull();
            assertThat(ocsp.ocspCheck()).isInstanceOf(OcspCheck.class);
            assertThat(deny.handshakeCheck()).isInstanceOf(RevocationCheck.class);
            assertThat(deny.handshakeCheck().name()).isEqualTo("revocation");
            assertThat(deny.ocspCheck()).isNull();
        }
    }

    @Test
    void everyBadSettingIsNamedAtOnce() {
        RevocationConfig config = new RevocationConfig(
                List.of(dir.resolve("missing.crl")),
                List.of(URI.create("file:///etc/devices.crl")),
                null,
                Duration.ofMillis(10),
                null,
                new OcspConfig(true, URI.create("ldap://ocsp.example"), Duration.ZERO, null, 0),
                new DenyListConfig(List.of("zz"), null, null, null));

        assertThatThrownBy(() -> Revocation.fromConfig(config, trust(root), clock, scheduler))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactly(
                        "revocation.refreshInterval: PT0.01S is too short; use at least 1s",
                        "revocation.crlUrls[0]: 'file:///etc/devices.crl' is not an http:// or https:// URL",
                        "revocation.ocsp.responder: 'ldap://ocsp.example' is not an http:// or https:// URL",
                        "revocation.ocsp.timeout: must be positive",
                        "revocation.ocsp.cacheSize: must be at least 1",
                        "revocation.denyList.serials[0]: 'zz' is not a hex serial number"));
    }

    @Test
    void aMissingCrlFileIsNamedByItsSetting() {
        Path missing = dir.resolve("missing.crl");
        RevocationConfig config = new RevocationConfig(List.of(missing), null, null, null, null, null, null);

        assertThatThrownBy(() -> Revocation.fromConfig(config, trust(root), clock, scheduler))
                .isInstanceOf(ConfigException.class)
                .hasMessage("revocation.crlFiles[0]: " + missing + ": no such file");
    }

    @Test
    void crlsWithoutAnyConfiguredCaAreRefused() {
        RevocationConfig config = new RevocationConfig(null, null, true, null, null, null, null);

        assertThatThrownBy(() -> Revocation.fromConfig(config, TrustMaterial.of(List.of(), List.of()), clock, scheduler))
                .isInstanceOf(ConfigException.class)
                .hasMessage("revocation: CRLs are verified against tls.trustAnchors and tls.intermediates, and none is configured");
    }
}
