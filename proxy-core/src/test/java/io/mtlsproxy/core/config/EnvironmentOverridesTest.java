package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code MTLSPROXY_SECTION__KEY} environment overrides, App Service style. */
class EnvironmentOverridesTest {
    @TempDir
    Path dir;
    ConfigFixture fixture;

    @BeforeEach
    void fixture() {
        fixture = new ConfigFixture(dir);
    }

    @Test
    void overrideReplacesTheFileValue() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL + "listener:\n  port: 8443\n",
                Map.of("MTLSPROXY_LISTENER__PORT", "9443"));

        assertThat(config.listener().port()).isEqualTo(9443);
    }

    @Test
    void overrideKeysMatchWhateverTheSpelling() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL + "policy:\n  chainCacheTtl: 10m\n", Map.of(
                "MTLSPROXY_TLS__PRIVATEKEY", "/etc/mtls-proxy/rotated.key",
                "MTLSPROXY_Policy__ChainCacheTTL", "2h"));

        assertThat(config.tls().privateKey()).isEqualTo(Path.of("/etc/mtls-proxy/rotated.key"));
        assertThat(config.policy().chainCacheTtl()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void overrideCreatesMissingSectionsAndKeys() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL, Map.of(
                "MTLSPROXY_LISTENER__REQUESTTIMEOUT", "3s",
                "MTLSPROXY_LISTENER__TLSPROVIDER", "jdk",
                "MTLSPROXY_POLICY__REQUIRECLIENTAUTHEKU", "false",
                "MTLSPROXY_SECRETS__CACHE__MAXENTRIES", "50"));

        assertThat(config.listener().requestTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.listener().tlsProvider()).isEqualTo(ListenerConfig.TlsProvider.JDK);
        assertThat(config.policy().requireClientAuthEku()).isFalse();
        assertThat(config.secrets().cache().maxEntries()).isEqualTo(50);
    }

    @Test
    void listItemByIndex() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL, Map.of(
                "MTLSPROXY_TLS__TRUSTANCHORS__0", "/etc/mtls-proxy/new-root.pem",
                "MTLSPROXY_TLS__TRUSTANCHORS__1", "/etc/mtls-proxy/second-root.pem"));

        assertThat(config.tls().trustAnchors())
                .containsExactly(Path.of("/etc/mtls-proxy/new-root.pem"), Path.of("/etc/mtls-proxy/second-root.pem"));
    }

    @Test
    void listBuiltFromOverridesAloneKeepsNumericOrder() throws Exception {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < 12; i++) {
            env.put("MTLSPROXY_TLS__INTERMEDIATES__" + i, "/etc/mtls-proxy/issuing-" + i + ".pem");
        }

        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL, env);

        assertThat(config.tls().intermediates()).hasSize(12);
        for (int i = 0; i < 12; i++) {
            assertThat(config.tls().intermediates().get(i)).isEqualTo(Path.of("/etc/mtls-proxy/issuing-" + i + ".pem"));
        }
    }

    @Test
    void wholeAccessRuleFromOverrides() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL, Map.of(
                "MTLSPROXY_ACCESS__RULES__0__NAME", "kiosks",
                "MTLSPROXY_ACCESS__RULES__0__MATCH__SUBJECT__0", "CN=kiosk-*,O=Contoso",
                "MTLSPROXY_ACCESS__RULES__0__SECRETS__0", "kiosk-*"));

        AccessRuleConfig rule = config.access().rules().get(0);
        assertThat(rule.name()).isEqualTo("kiosks");
        assertThat(rule.match().subject()).containsExactly("CN=kiosk-*,O=Contoso");
        assertThat(rule.secrets()).containsExactly("kiosk-*");
    }

    @Test
    void overrideWinsOverAReference() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL + "listener:\n  port: ${PORT}\n",
                Map.of("PORT", "1111", "MTLSPROXY_LISTENER__PORT", "2222"));

        assertThat(config.listener().port()).isEqualTo(2222);
    }

    @Test
    void overrideInsideAnExistingListItem() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL + """
                secrets:
                  backends:
                    - type: file
                      name: mounted
                      directory: /run/secrets
                """, Map.of("MTLSPROXY_SECRETS__BACKENDS__0__DIRECTORY", "/mnt/secrets"));

        assertThat(((BackendConfig.Files) config.secrets().backends().get(0)).directory()).isEqualTo(Path.of("/mnt/secrets"));
    }

    @Test
    void overrideOfASecretIsNeverPrinted() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL, Map.of("MTLSPROXY_TLS__PRIVATEKEYPASSWORD", "0verride-pw"));

        assertThat(config.tls().privateKeyPassword().reveal()).isEqualTo("0verride-pw");
        assertThat(config.toString()).doesNotContain("0verride-pw");
    }

    @Test
    void indexPastTheEndIsRefusedNamingTheVariable() {
        List<String> problems = fixture.problems(ConfigFixture.MINIMAL, Map.of("MTLSPROXY_TLS__TRUSTANCHORS__5", "/x.pem"));

        assertThat(problems).singleElement().asString().startsWith("MTLSPROXY_TLS__TRUSTANCHORS__5: cannot apply");
    }

    @Test
    void pathThroughAValueIsRefusedWithoutEchoingTheValue() {
        List<String> problems = fixture.problems(ConfigFixture.MINIMAL, Map.of("MTLSPROXY_TLS__CERTIFICATE__X", "s3cr3t-value"));

        assertThat(problems).singleElement().asString()
                .startsWith("MTLSPROXY_TLS__CERTIFICATE__X: cannot apply")
                .doesNotContain("s3cr3t-value");
    }

    @Test
    void hugeIndexIsRefusedNotCrashing() {
        List<String> problems = fixture.problems(ConfigFixture.MINIMAL, Map.of("MTLSPROXY_TLS__TRUSTANCHORS__99999999999", "/x.pem"));

        assertThat(problems).singleElement().asString().startsWith("MTLSPROXY_TLS__TRUSTANCHORS__99999999999");
    }

    @Test
    void overrideOfAnUnknownSettingIsAnUnknownSetting() {
        assertThat(fixture.problems(ConfigFixture.MINIMAL, Map.of("MTLSPROXY_LISTENER__PROT", "9443")))
                .singleElement().asString().startsWith("listener.PROT: unknown setting");
    }

    @Test
    void otherVariablesAreIgnored() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL, Map.of(
                "MTLSPROXY_", "x",
                "mtlsproxy_listener__port", "1",
                "LISTENER__PORT", "2",
                "PATH", "/usr/bin"));

        assertThat(config.listener().port()).isEqualTo(8443);
    }

    @Test
    void overriddenRelativePathIsReadFromTheConfigFolder() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL, Map.of("MTLSPROXY_TLS__CERTIFICATE", "rotated/server.pem"));

        assertThat(config.tls().certificate()).isEqualTo(dir.resolve("rotated/server.pem"));
    }
}
