package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each start-up check, through the loader; every refusal names its setting. */
class ConfigValidatorTest {
    private static final String SHA1 = "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3";
    private static final String SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    @TempDir
    Path dir;
    ConfigFixture fixture;

    @BeforeEach
    void fixture() {
        fixture = new ConfigFixture(dir);
    }

    private List<String> problemsWith(String moreYaml) {
        return fixture.problems(ConfigFixture.MINIMAL + moreYaml);
    }

    private static String rule(String match) {
        return """
                access:
                  rules:
                    - name: r
                      match: %s
                      secrets: [s]
                """.formatted(match);
    }

    // --- listener

    @ParameterizedTest
    @ValueSource(ints = {-1, 65536, 100000})
    void portOutOfRangeIsRefused(int port) {
        assertThat(problemsWith("listener:\n  port: " + port + "\n"))
                .singleElement().asString().startsWith("listener.port: " + port + " is not a TCP port");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 443, 65535})
    void portInRangeIsAccepted(int port) throws Exception {
        assertThat(fixture.loadWith("listener:\n  port: " + port + "\n").listener().port()).isEqualTo(port);
    }

    @Test
    void listenerLimits() {
        assertThat(problemsWith("""
                listener:
                  bind: " "
                  handshakeTimeout: 0s
                  idleTimeout: PT-1S
                  requestTimeout: 0ms
                  shutdownGrace: PT-1S
                  maxUriLength: 63
                  maxHeaderSize: 255
                  maxBodySize: -1
                  ioThreads: -1
                  maxConcurrentStreams: 0
                """)).containsExactlyInAnyOrder(
                "listener.bind: empty address",
                "listener.handshakeTimeout: must be longer than zero",
                "listener.idleTimeout: must be longer than zero",
                "listener.requestTimeout: must be longer than zero",
                "listener.shutdownGrace: must not be negative",
                "listener.maxUriLength: must be at least 64",
                "listener.maxHeaderSize: must be at least 256",
                "listener.maxBodySize: must be at least 0",
                "listener.ioThreads: must be at least 0",
                "listener.maxConcurrentStreams: must be at least 1");
    }

    // --- tls

    @Test
    void missingCertificateIsRefused() {
        assertThat(fixture.problems("""
                tls:
                  privateKey: /etc/mtls-proxy/server.key
                  trustAnchors: [/etc/mtls-proxy/ca.pem]
                """)).singleElement().asString().startsWith("tls.certificate: the server certificate chain (PEM) is required");
    }

    @Test
    void missingPrivateKeyIsRefused() {
        assertThat(fixture.problems("""
                tls:
                  certificate: /etc/mtls-proxy/server.pem
                  trustAnchors: [/etc/mtls-proxy/ca.pem]
                """)).singleElement().asString().startsWith("tls.privateKey: the server private key (PEM) is required");
    }

    @Test
    void keystoreAloneIsEnough() throws Exception {
        GatewayConfig config = fixture.load("""
                tls:
                  keystore: /etc/mtls-proxy/server.p12
                  keystorePassword: "changeit"
                  keystoreAlias: gateway
                  trustAnchors: [/etc/mtls-proxy/ca.pem]
                """);

        assertThat(config.tls().keystore()).isEqualTo(Path.of("/etc/mtls-proxy/server.p12"));
        assertThat(config.tls().keystoreAlias()).isEqualTo("gateway");
    }

    @Test
    void keystoreAndPemTogetherAreRefused() {
        assertThat(fixture.problems(ConfigFixture.MINIMAL.replace("tls:\n", "tls:\n  keystore: /etc/mtls-proxy/server.p12\n")))
                .containsExactly("tls.keystore: set either keystore or certificate + privateKey, not both");
        assertThat(fixture.problems("""
                tls:
                  keystore: /etc/mtls-proxy/server.p12
                  privateKey: /etc/mtls-proxy/server.key
                  trustAnchors: [/etc/mtls-proxy/ca.pem]
                """)).containsExactly("tls.keystore: set either keystore or certificate + privateKey, not both");
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.1", "TLSv1", "SSLv3", "tlsv1.3"})
    void onlyTls12And13AreAllowed(String protocol) {
        assertThat(fixture.problems(ConfigFixture.MINIMAL.replace("tls:\n", "tls:\n  protocols: [TLSv1.3, " + protocol + "]\n")))
                .containsExactly("tls.protocols[1]: '" + protocol + "' is not allowed (only [TLSv1.3, TLSv1.2])");
    }

    @Test
    void emptyProtocolListIsRefused() {
        assertThat(fixture.problems(ConfigFixture.MINIMAL.replace("tls:\n", "tls:\n  protocols: []\n")))
                .singleElement().asString().startsWith("tls.protocols: at least one of");
    }

    @Test
    void sessionLimits() {
        assertThat(fixture.problems(ConfigFixture.MINIMAL.replace("tls:\n", "tls:\n  sessionCacheSize: -1\n  sessionTimeout: 0\n")))
                .containsExactlyInAnyOrder("tls.sessionCacheSize: must be at least 0", "tls.sessionTimeout: must be at least 1");
    }

    // --- policy

    @Test
    void chainValidationWithoutTrustAnchorsIsRefused() {
        assertThat(fixture.problems("""
                tls:
                  certificate: /etc/mtls-proxy/server.pem
                  privateKey: /etc/mtls-proxy/server.key
                """)).singleElement().asString()
                .startsWith("tls.trustAnchors: chain validation is on (policy.chainValidation)");
    }

    @Test
    void noCheckLeftIsRefused() {
        assertThat(problemsWith("policy:\n  chainValidation: false\n"))
                .singleElement().asString().startsWith("policy: no check left");
    }

    @Test
    void thumbprintAllowlistAloneIsACheck() throws Exception {
        GatewayConfig config = fixture.load("""
                tls:
                  certificate: /etc/mtls-proxy/server.pem
                  privateKey: /etc/mtls-proxy/server.key
                policy:
                  chainValidation: false
                  allowedThumbprints: ["%s", "%s"]
                """.formatted(SHA1, SHA256));

        assertThat(config.policy().allowedThumbprints()).containsExactly(SHA1, SHA256);
    }

    @Test
    void badAllowedThumbprintIsRefusedWithItsIndex() {
        assertThat(problemsWith("policy:\n  allowedThumbprints: [\"" + SHA1 + "\", \"A94A8FE5\"]\n"))
                .containsExactly("policy.allowedThumbprints[1]: 'A94A8FE5' is not a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint");
    }

    @Test
    void badTrustedRootThumbprintIsRefused() {
        assertThat(problemsWith("policy:\n  trustedRootThumbprint: not-hex\n"))
                .singleElement().asString().startsWith("policy.trustedRootThumbprint: 'not-hex' is not a SHA-1");
    }

    @Test
    void trustedRootThumbprintWithoutChainValidationIsRefused() {
        assertThat(problemsWith("policy:\n  chainValidation: false\n  allowedThumbprints: [\"" + SHA1 + "\"]\n"
                + "  trustedRootThumbprint: \"" + SHA1 + "\"\n"))
                .singleElement().asString().startsWith("policy.trustedRootThumbprint: set, but policy.chainValidation is off");
    }

    @Test
    void thumbprintsAsWindowsShowsThemAreAccepted() throws Exception {
        GatewayConfig config = fixture.loadWith("policy:\n  trustedRootThumbprint: \"\u200ea9 4a 8f e5 cc b1 9b a6 1c 4c 08 73 d3 91 e9 87 98 2f bb d3\"\n");

        assertThat(config.policy().trustedRootThumbprint()).contains("a9 4a");
    }

    @Test
    void clockSkewAndCacheLimits() {
        assertThat(problemsWith("policy:\n  clockSkew: 2h\n  chainCacheSize: -1\n  chainCacheTtl: 0s\n"))
                .containsExactlyInAnyOrder(
                        "policy.clockSkew: must be between 0 and 1h",
                        "policy.chainCacheSize: must be at least 0",
                        "policy.chainCacheTtl: must be longer than zero");
    }

    // --- access

    @Test
    void ruleWithoutNameIsRefused() {
        assertThat(problemsWith("""
                access:
                  rules:
                    - match: {anyAuthenticated: true}
                      secrets: ["*"]
                """)).singleElement().asString().startsWith("access.rules[0].name: every rule needs a name");
    }

    @Test
    void duplicateRuleNameIsRefused() {
        assertThat(problemsWith("""
                access:
                  rules:
                    - name: kiosks
                      match: {subject: ["CN=kiosk-*"]}
                      secrets: [kiosk-*]
                    - name: kiosks
                      match: {subject: ["CN=tablet-*"]}
                      secrets: [tablet-*]
                """)).containsExactly("access.rules[1].name: 'kiosks' is used by another rule");
    }

    @Test
    void ruleWithoutSecretsIsRefused() {
        assertThat(problemsWith("""
                access:
                  rules:
                    - name: kiosks
                      match: {subject: ["CN=kiosk-*"]}
                """)).singleElement().asString().startsWith("access.rules[0].secrets: list the secret names");
        assertThat(problemsWith("""
                access:
                  rules:
                    - name: kiosks
                      match: {subject: ["CN=kiosk-*"]}
                      secrets: [" "]
                """)).containsExactly("access.rules[0].secrets[0]: empty pattern");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{anyAuthenticated: false}", "{subject: []}", "null"})
    void emptyMatchIsRefused(String match) {
        assertThat(problemsWith(rule(match))).singleElement().asString()
                .startsWith("access.rules[0].match: says nothing")
                .contains("anyAuthenticated: true");
    }

    @Test
    void missingMatchIsRefused() {
        assertThat(problemsWith("access:\n  rules:\n    - name: r\n      secrets: [s]\n"))
                .singleElement().asString().startsWith("access.rules[0].match: says nothing");
    }

    @Test
    void anyAuthenticatedWithOtherFieldsIsAContradiction() {
        assertThat(problemsWith(rule("{anyAuthenticated: true, subject: [\"CN=kiosk-*\"]}")))
                .containsExactly("access.rules[0].match: anyAuthenticated: true contradicts the other match fields; use one or the other");
    }

    @Test
    void anyAuthenticatedAloneIsAccepted() throws Exception {
        AccessRuleConfig rule = fixture.loadWith(rule("{anyAuthenticated: true}")).access().rules().get(0);

        assertThat(rule.match().anyAuthenticated()).isTrue();
        assertThat(rule.match().isEmpty()).isTrue();
    }

    @Test
    void badDistinguishedNameIsRefused() {
        assertThat(problemsWith(rule("{subject: [\"CN=kiosk-*,O=Contoso\", \"kiosk-7\"], issuer: [\"CN=ok\", \"=broken\"]}")))
                .hasSize(2)
                .anySatisfy(p -> assertThat(p).startsWith("access.rules[0].match.subject[1]: 'kiosk-7' is not a distinguished name"))
                .anySatisfy(p -> assertThat(p).startsWith("access.rules[0].match.issuer[1]: '=broken' is not a distinguished name"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dnz:kiosk.contoso.com", "kiosk.contoso.com", "dns:", "upn:kiosk@contoso.com", ":x"})
    void badSanPatternIsRefused(String san) {
        assertThat(problemsWith(rule("{san: [\"dns:ok.contoso.com\", \"" + san + "\"]}")))
                .containsExactly("access.rules[0].match.san[1]: write kind:pattern with kind dns, uri, email or ip");
    }

    @Test
    void sanOfEveryKindIsAccepted() throws Exception {
        AccessRuleConfig rule = fixture.loadWith(rule(
                "{san: [\"dns:*.kiosk.contoso.com\", \"uri:spiffe://contoso.com/*\", \"email:*@contoso.com\", \"ip:10.1.*\", \"DNS:upper.contoso.com\"]}"))
                .access().rules().get(0);

        assertThat(rule.match().san()).hasSize(5);
    }

    @Test
    void badThumbprintInAMatchIsRefused() {
        assertThat(problemsWith(rule("{thumbprints: [\"" + SHA256 + "\", \"xyz\"]}")))
                .containsExactly("access.rules[0].match.thumbprints[1]: not a SHA-1 or SHA-256 thumbprint");
    }

    // --- secrets

    @Test
    void duplicateBackendNamesAreRefused() {
        assertThat(problemsWith("""
                secrets:
                  backends:
                    - type: file
                      directory: /run/a
                    - type: file
                      directory: /run/b
                """)).containsExactly("secrets.backends[1].name: 'file' is used by another backend");
        assertThat(problemsWith("""
                secrets:
                  backends:
                    - type: appsettings
                      name: store
                    - type: file
                      name: store
                      directory: /run/b
                """)).containsExactly("secrets.backends[1].name: 'store' is used by another backend");
    }

    @Test
    void unknownDefaultBackendIsRefused() {
        assertThat(problemsWith("secrets:\n  backends:\n    - type: appsettings\n  defaultBackend: vault\n"))
                .containsExactly("secrets.defaultBackend: no backend is named 'vault'");
    }

    @Test
    void fileBackendWithoutDirectoryIsRefused() {
        assertThat(problemsWith("secrets:\n  backends:\n    - type: file\n      name: mounted\n"))
                .containsExactly("secrets.backends[0].directory: a file backend needs the directory that holds the secrets");
    }

    @Test
    void inlineValueWithAnInvalidSecretNameIsRefused() {
        assertThat(problemsWith("""
                secrets:
                  backends:
                    - type: appsettings
                      values:
                        "../etc": "x"
                """)).containsExactly("secrets.backends[0].values.../etc: not a valid secret name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "MTLS", "mtlsproxy_", "MTLSPROXY_TLS__"})
    void envPrefixThatWouldExposeTheEnvironmentIsRefused(String prefix) {
        assertThat(problemsWith("secrets:\n  backends:\n    - type: appsettings\n      envPrefix: \"" + prefix + "\"\n"))
                .singleElement().asString().startsWith("secrets.backends[0].envPrefix:");
    }

    @Test
    void cacheLimits() {
        assertThat(problemsWith("secrets:\n  cache:\n    ttl: 0s\n    maxEntries: 0\n"))
                .containsExactlyInAnyOrder("secrets.cache.ttl: must be longer than zero", "secrets.cache.maxEntries: must be at least 1");
    }

    // --- origin

    @Test
    void originPathMustBeAbsolute() {
        assertThat(problemsWith("origin:\n  path: api/certificatesecretproxy\n"))
                .containsExactly("origin.path: must start with '/'");
    }

    @Test
    void disabledOriginRouteIsNotChecked() throws Exception {
        assertThat(fixture.loadWith("origin:\n  enabled: false\n  path: whatever\n").origin().enabled()).isFalse();
    }

    // --- per-route policy and mode

    @Test
    void routePoliciesMustExist() {
        assertThat(problemsWith("policies:\n  kiosks: {cn: kiosk-*}\napi:\n  policy: kiosk\norigin:\n  policy: entra\n"))
                .containsExactly("api.policy: no policy named 'kiosk' under policies (known: [kiosks])",
                        "origin.policy: no policy named 'entra' under policies (known: [kiosks])");
    }

    @Test
    void routesTakeTheListenerModeUnlessTheyNameTheirOwn() throws Exception {
        GatewayConfig config = fixture.loadWith("""
                policies:
                  kiosks: {cn: kiosk-*}
                api:
                  policy: kiosks
                  mode: enforce
                """.replace("policies:", "listener:\n  mode: audit\npolicies:"));

        assertThat(config.routePolicies()).containsExactly(
                new RoutePolicy("api", "api", "kiosks", PolicyMode.ENFORCE),
                new RoutePolicy("origin", "origin", null, PolicyMode.AUDIT));
    }

    // --- all at once

    @Test
    void everyProblemIsReportedAtOnce() {
        List<String> problems = fixture.problems("""
                listener:
                  port: 70000
                tls:
                  protocols: [TLSv1.1]
                access:
                  rules:
                    - name: r
                      secrets: [s]
                """);

        assertThat(problems).hasSize(6).anySatisfy(p -> assertThat(p).startsWith("listener.port"))
                .anySatisfy(p -> assertThat(p).startsWith("tls.certificate"))
                .anySatisfy(p -> assertThat(p).startsWith("tls.privateKey"))
                .anySatisfy(p -> assertThat(p).startsWith("tls.protocols[0]"))
                .anySatisfy(p -> assertThat(p).startsWith("tls.trustAnchors"))
                .anySatisfy(p -> assertThat(p).startsWith("access.rules[0].match"));
    }
}
