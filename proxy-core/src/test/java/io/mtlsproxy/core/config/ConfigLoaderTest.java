package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** YAML to records: defaults, value forms, and errors that name the setting. */
class ConfigLoaderTest {
    @TempDir
    Path dir;
    ConfigFixture fixture;

    @BeforeEach
    void fixture() {
        fixture = new ConfigFixture(dir);
    }

    @Test
    void minimalConfigurationLoads() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL);

        assertThat(config.tls().certificate()).isEqualTo(Path.of("/etc/mtls-proxy/server.pem"));
        assertThat(config.tls().privateKey()).isEqualTo(Path.of("/etc/mtls-proxy/server.key"));
        assertThat(config.tls().trustAnchors()).containsExactly(Path.of("/etc/mtls-proxy/devices-ca.pem"));
    }

    @Test
    void listenerDefaults() throws Exception {
        ListenerConfig listener = fixture.load(ConfigFixture.MINIMAL).listener();

        assertThat(listener.bind()).isEqualTo("0.0.0.0");
        assertThat(listener.port()).isEqualTo(8443);
        assertThat(listener.tlsProvider()).isEqualTo(ListenerConfig.TlsProvider.OPENSSL);
        assertThat(listener.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(listener.idleTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(listener.requestTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(listener.maxUriLength()).isEqualTo(4096);
        assertThat(listener.maxHeaderSize()).isEqualTo(8192);
        assertThat(listener.maxBodySize()).isEqualTo(65536);
        assertThat(listener.shutdownGrace()).isEqualTo(Duration.ofSeconds(20));
        assertThat(listener.ioThreads()).isZero();
        assertThat(listener).isEqualTo(ListenerConfig.defaults());
    }

    @Test
    void tlsDefaults() throws Exception {
        TlsConfig tls = fixture.load(ConfigFixture.MINIMAL).tls();

        assertThat(tls.privateKeyPassword()).isNull();
        assertThat(tls.keystore()).isNull();
        assertThat(tls.keystorePassword()).isNull();
        assertThat(tls.keystoreAlias()).isNull();
        assertThat(tls.intermediates()).isEmpty();
        assertThat(tls.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(tls.sessionTickets()).isTrue();
        assertThat(tls.sessionCacheSize()).isEqualTo(20_000);
        assertThat(tls.sessionTimeout()).isEqualTo(3600);
    }

    @Test
    void policyDefaults() throws Exception {
        PolicyConfig policy = fixture.load(ConfigFixture.MINIMAL).policy();

        assertThat(policy.chainValidation()).isTrue();
        assertThat(policy.requireClientAuthEku()).isTrue();
        assertThat(policy.clockSkew()).isEqualTo(Duration.ofMinutes(1));
        assertThat(policy.allowedThumbprints()).isEmpty();
        assertThat(policy.trustedRootThumbprint()).isNull();
        assertThat(policy.chainCacheSize()).isEqualTo(10_000);
        assertThat(policy.chainCacheTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(policy).isEqualTo(PolicyConfig.defaults());
    }

    @Test
    void accessSecretsAndOriginDefaults() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL);

        assertThat(config.access().rules()).as("deny by default").isEmpty();
        assertThat(config.secrets().cache().ttl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.secrets().cache().maxEntries()).isEqualTo(10_000);
        assertThat(config.secrets().backends())
                .containsExactly(new BackendConfig.AppSettings("appsettings", "VAR_", Map.of()));
        assertThat(config.secrets().defaultBackend()).isNull();
        assertThat(config.secrets().effectiveDefaultBackend()).isEqualTo("appsettings");
        assertThat(config.origin().enabled()).isTrue();
        assertThat(config.origin().path()).isEqualTo("/api/certificatesecretproxy");
    }

    @Test
    void emptySectionsTakeTheirDefaults() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL + """
                listener:
                policy:
                access:
                secrets:
                origin:
                """);

        assertThat(config.listener()).isEqualTo(ListenerConfig.defaults());
        assertThat(config.policy()).isEqualTo(PolicyConfig.defaults());
        assertThat(config.secrets()).isEqualTo(SecretsConfig.defaults());
        assertThat(config.origin()).isEqualTo(OriginConfig.defaults());
    }

    @Test
    void cacheSettingsAloneKeepTheDefaultBackend() throws Exception {
        GatewayConfig config = fixture.loadWith("secrets:\n  cache:\n    ttl: 1m\n");

        assertThat(config.secrets().cache().ttl()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.secrets().backends()).containsExactly(new BackendConfig.AppSettings("appsettings", "VAR_", Map.of()));
    }

    @Test
    void explicitlyEmptyBackendListIsRefused() {
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "secrets:\n  backends: []\n"))
                .containsExactly("secrets.backends: at least one backend is required");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "500ms, PT0.5S",
        "10s,   PT10S",
        "5m,    PT5M",
        "1h,    PT1H",
        "2d,    PT48H",
        "PT1M,  PT1M",
        "pt90s, PT1M30S",
        "30,    PT30S",  // a bare number is seconds
        "2.5,   PT2.5S", // fractional seconds are kept, not truncated
        "'10 s', PT10S",
    })
    void durations(String written, String expected) throws Exception {
        GatewayConfig config = fixture.loadWith("listener:\n  idleTimeout: " + written + "\n");

        assertThat(config.listener().idleTimeout()).isEqualTo(Duration.parse(expected));
    }

    @Test
    void badDurationNamesTheSetting() {
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "listener:\n  idleTimeout: 10x\n"))
                .singleElement().asString()
                .startsWith("listener.idleTimeout:")
                .contains("'10x' is not a duration");
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "listener:\n  idleTimeout: {seconds: 10}\n"))
                .singleElement().asString()
                .startsWith("listener.idleTimeout:")
                .doesNotContain("NullPointerException", "null");
    }

    @Test
    void unknownSettingNamesItsPath() {
        List<String> problems = fixture.problems("""
                tls:
                  certificate: /etc/mtls-proxy/server.pem
                  privteKey: /etc/mtls-proxy/server.key
                  trustAnchors: [/etc/mtls-proxy/devices-ca.pem]
                """);

        assertThat(problems).singleElement().asString()
                .startsWith("tls.privteKey: unknown setting")
                .contains("privateKey"); // the known names help spot the typo
    }

    @Test
    void unknownSettingDeepInAListNamesItsPath() {
        List<String> problems = fixture.problems(ConfigFixture.MINIMAL + """
                access:
                  rules:
                    - name: kiosks
                      match:
                        subjects: ["CN=kiosk-*"]
                      secrets: [kiosk-*]
                """);

        assertThat(problems).singleElement().asString().startsWith("access.rules[0].match.subjects: unknown setting");
    }

    @Test
    void unknownSectionNamesIt() {
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "listner:\n  port: 9443\n"))
                .singleElement().asString().startsWith("listner: unknown setting");
    }

    @Test
    void wrongTypeNamesThePath() {
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "listener:\n  port: https\n"))
                .singleElement().asString().startsWith("listener.port:").contains("Integer");
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "listener:\n  tlsProvider: gnutls\n"))
                .singleElement().asString().startsWith("listener.tlsProvider:");
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "policy:\n  chainValidation: [true]\n"))
                .singleElement().asString().startsWith("policy.chainValidation:");
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "access:\n  rules: [kiosks]\n"))
                .singleElement().asString().startsWith("access.rules[0]:");
    }

    @Test
    void enumsAndSingleValuesAreForgiving() throws Exception {
        GatewayConfig config = fixture.load("""
                listener:
                  tlsProvider: jdk
                tls:
                  certificate: /etc/mtls-proxy/server.pem
                  privateKey: /etc/mtls-proxy/server.key
                  trustAnchors: /etc/mtls-proxy/devices-ca.pem
                  protocols: TLSv1.3
                """);

        assertThat(config.listener().tlsProvider()).isEqualTo(ListenerConfig.TlsProvider.JDK);
        assertThat(config.tls().trustAnchors()).containsExactly(Path.of("/etc/mtls-proxy/devices-ca.pem"));
        assertThat(config.tls().protocols()).containsExactly("TLSv1.3");
    }

    @Test
    void fileBackendBinds() throws Exception {
        GatewayConfig config = fixture.loadWith("""
                secrets:
                  backends:
                    - type: file
                      name: mounted
                      directory: /run/secrets/mtls-proxy
                """);

        assertThat(config.secrets().backends()).singleElement()
                .isEqualTo(new BackendConfig.Files("mounted", Path.of("/run/secrets/mtls-proxy"), true));
        assertThat(config.secrets().backends().get(0).type()).isEqualTo("file");
    }

    @Test
    void appSettingsBackendBinds() throws Exception {
        GatewayConfig config = fixture.loadWith("""
                secrets:
                  backends:
                    - type: appsettings
                      envPrefix: SECRET_
                      values:
                        wifi-psk: "0123"
                """);

        BackendConfig backend = config.secrets().backends().get(0);
        assertThat(backend).isInstanceOf(BackendConfig.AppSettings.class);
        BackendConfig.AppSettings app = (BackendConfig.AppSettings) backend;
        assertThat(app.name()).isEqualTo("appsettings");
        assertThat(app.type()).isEqualTo("appsettings");
        assertThat(app.envPrefix()).isEqualTo("SECRET_");
        assertThat(app.values().get("wifi-psk").reveal()).isEqualTo("0123");
    }

    @Test
    void bothBackendKindsSideBySide() throws Exception {
        GatewayConfig config = fixture.loadWith("""
                secrets:
                  backends:
                    - type: appsettings
                    - type: file
                      directory: /run/secrets
                      trimTrailingNewline: false
                  defaultBackend: file
                """);

        assertThat(config.secrets().backends()).extracting(BackendConfig::type).containsExactly("appsettings", "file");
        assertThat(((BackendConfig.Files) config.secrets().backends().get(1)).trimTrailingNewline()).isFalse();
        assertThat(config.secrets().effectiveDefaultBackend()).isEqualTo("file");
    }

    @Test
    void unknownOrMissingBackendTypeIsRefused() {
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "secrets:\n  backends:\n    - type: vault\n"))
                .singleElement().asString()
                .startsWith("secrets.backends[0]:")
                .contains("'vault'", "appsettings", "file");
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "secrets:\n  backends:\n    - name: x\n"))
                .singleElement().asString()
                .startsWith("secrets.backends[0]:")
                .contains("type");
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "secrets:\n  backends:\n    - type: file\n      directroy: /x\n"))
                .singleElement().asString()
                .startsWith("secrets.backends[0].directroy: unknown setting");
    }

    @Test
    void secretsNeverAppearInToString() throws Exception {
        GatewayConfig config = fixture.load("""
                tls:
                  keystore: /etc/mtls-proxy/server.p12
                  keystorePassword: "p12-Pa55word"
                  privateKeyPassword: ${KEY_PASSWORD}
                  trustAnchors: [/etc/mtls-proxy/devices-ca.pem]
                secrets:
                  backends:
                    - type: appsettings
                      values:
                        wifi-psk: "Wifi-Pr3shared"
                """, Map.of("KEY_PASSWORD", "Env-K3y-password"));

        assertThat(config.tls().keystorePassword().reveal()).isEqualTo("p12-Pa55word");
        assertThat(config.tls().privateKeyPassword().reveal()).isEqualTo("Env-K3y-password");
        assertThat(config.toString())
                .doesNotContain("p12-Pa55word", "Env-K3y-password", "Wifi-Pr3shared")
                .contains("keystorePassword=****", "wifi-psk=****");
        assertThat(config.tls().toString()).doesNotContain("p12-Pa55word");
        assertThat(config.secrets().backends().get(0).toString()).doesNotContain("Wifi-Pr3shared");
    }

    @Test
    void unquotedSecretIsRefusedWithoutRepeatingIt() {
        // YAML turns 0123456 into the number 42798 (octal) and `no` into false: such a secret must be quoted
        List<String> problems = fixture.problems(ConfigFixture.MINIMAL.replace("tls:\n", "tls:\n  privateKeyPassword: 0123456\n"));
        assertThat(problems).singleElement().asString()
                .startsWith("tls.privateKeyPassword:")
                .contains("quoted")
                .doesNotContain("123456", "42798");

        assertThat(fixture.problems(ConfigFixture.MINIMAL + """
                secrets:
                  backends:
                    - type: appsettings
                      values:
                        answer: no
                """)).singleElement().asString()
                .startsWith("secrets.backends[0].values.answer:")
                .doesNotContain("false");
    }

    @Test
    void yamlSyntaxErrorGivesTheLineButNotItsText() {
        List<String> problems = fixture.problems("""
                tls:
                  certificate: /etc/mtls-proxy/server.pem
                  privateKeyPassword: 'S3cret-unclosed
                """);

        assertThat(problems).singleElement().asString()
                .contains("mtls-proxy.yaml", "not valid YAML", "line 3")
                .doesNotContain("S3cret");
    }

    @Test
    void tabIndentationIsRefusedWithItsLine() {
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "listener:\n\tport: 9443\n"))
                .singleElement().asString()
                .contains("not valid YAML", "TAB", "line 6");
    }

    @Test
    void keyWrittenTwiceIsRefused() {
        // the last-one-wins reading would silently drop `bind: 127.0.0.1` and listen on every address
        List<String> problems = fixture.problems(ConfigFixture.MINIMAL + """
                listener:
                  bind: 127.0.0.1
                listener:
                  port: 9443
                """);

        assertThat(problems).singleElement().asString().contains("Duplicate field 'listener'", "line 7");
    }

    @Test
    void nestedKeyWrittenTwiceIsRefused() {
        assertThat(fixture.problems(ConfigFixture.MINIMAL.replace("tls:\n", "tls:\n  privateKey: /a.key\n")))
                .singleElement().asString().contains("Duplicate field 'privateKey'");
    }

    @Test
    void secondYamlDocumentIsRefused() {
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "---\nlistener:\n  port: 9443\n"))
                .singleElement().asString().contains("more than one YAML document");
    }

    @Test
    void leadingDocumentMarkerAndByteOrderMarkAreFine() throws Exception {
        assertThat(fixture.load("---\n" + ConfigFixture.MINIMAL).tls().certificate()).isNotNull();
        assertThat(fixture.load("\uFEFF" + ConfigFixture.MINIMAL).tls().certificate()).isNotNull();
    }

    @Test
    void emptyFileIsRefusedForWhatIsMissing() {
        assertThat(fixture.problems("")).anySatisfy(p -> assertThat(p).startsWith("tls.certificate:"));
        assertThat(fixture.problems("# nothing yet\n")).anySatisfy(p -> assertThat(p).startsWith("tls.privateKey:"));
    }

    @Test
    void topLevelMustBeAMapping() {
        assertThat(fixture.problems("- listener\n- tls\n")).singleElement().asString().contains("top level must be a mapping");
    }

    @Test
    void missingFileIsRefusedNamingIt() {
        Path missing = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void emptyListItemIsRefusedNamingTheRule() {
        List<String> problems = fixture.problems(ConfigFixture.MINIMAL + """
                access:
                  rules:
                    - name: kiosks
                      match: {anyAuthenticated: true}
                      secrets:
                        -
                """);

        assertThat(problems).singleElement().asString()
                .startsWith("access.rules[0]")
                .contains("empty (null)")
                .doesNotContain("NullPointerException");
    }

    @Test
    void relativePathsAreReadFromTheConfigFolder() throws Exception {
        GatewayConfig config = fixture.load("""
                tls:
                  certificate: certs/server.pem
                  privateKey: ./certs/server.key
                  trustAnchors: [ca/devices.pem, /etc/ssl/absolute.pem]
                  intermediates: [../shared/issuing.pem]
                secrets:
                  backends:
                    - type: file
                      directory: secrets
                """);

        assertThat(config.tls().certificate()).isEqualTo(dir.resolve("certs/server.pem"));
        assertThat(config.tls().privateKey()).isEqualTo(dir.resolve("certs/server.key"));
        assertThat(config.tls().trustAnchors()).containsExactly(dir.resolve("ca/devices.pem"), Path.of("/etc/ssl/absolute.pem"));
        assertThat(config.tls().intermediates()).containsExactly(dir.getParent().resolve("shared/issuing.pem"));
        assertThat(((BackendConfig.Files) config.secrets().backends().get(0)).directory()).isEqualTo(dir.resolve("secrets"));
    }

    @Test
    void relativeKeystoreIsReadFromTheConfigFolder() throws Exception {
        GatewayConfig config = fixture.load("""
                tls:
                  keystore: server.p12
                  trustAnchors: [devices.pem]
                """);

        assertThat(config.tls().keystore()).isEqualTo(dir.resolve("server.p12"));
        assertThat(config.tls().trustAnchors()).containsExactly(dir.resolve("devices.pem"));
    }

    @Test
    void configFileInACurrentDirectoryRelativePathResolvesToo() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("conf"));
        Files.writeString(sub.resolve("gw.yaml"), """
                tls:
                  certificate: server.pem
                  privateKey: server.key
                  trustAnchors: [ca.pem]
                """);
        Path relative = Path.of("").toAbsolutePath().relativize(sub.resolve("gw.yaml"));

        GatewayConfig config = new ConfigLoader(Map.of()).load(relative);

        assertThat(config.tls().certificate()).isEqualTo(sub.resolve("server.pem"));
    }
}
