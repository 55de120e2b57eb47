package io.mtlsproxy.core.config;

import static io.mtlsproxy.core.config.ConfigFixture.environmentProblems;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Without a YAML file: the Azure Function's settings (ORIGIN.md) read from the environment. */
class OriginEnvironmentTest {
    private static final String ROOT = "5FDD1F3D52C5A7A3C5AE7C3AE2B3D3B9D4E0F1A2";
    private static final String DEVICE_1 = "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3";
    private static final String DEVICE_2 = "0123456789abcdef0123456789abcdef01234567";

    /** What every environment needs besides the origin's settings: our listener's own key material. */
    private static Map<String, String> env(String... keysAndValues) {
        Map<String, String> env = new HashMap<>();
        env.put("MTLSPROXY_TLS__CERTIFICATE", "/etc/mtls-proxy/server.pem");
        env.put("MTLSPROXY_TLS__PRIVATEKEY", "/etc/mtls-proxy/server.key");
        env.put("MTLSPROXY_TLS__TRUSTANCHORS__0", "/etc/mtls-proxy/devices-root.pem");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            env.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return env;
    }

    private static GatewayConfig load(Map<String, String> env) throws ConfigException {
        return new ConfigLoader(env).loadFromEnvironment();
    }

    @Test
    void chainValidationOnly() throws Exception {
        GatewayConfig config = load(env("AUTH_METHODS", "CertChainValidation"));

        assertThat(config.policy().chainValidation()).isTrue();
        assertThat(config.policy().allowedThumbprints()).isEmpty();
        assertThat(config.tls().trustAnchors()).containsExactly(Path.of("/etc/mtls-proxy/devices-root.pem"));
    }

    @Test
    void thumbprintsOnly() throws Exception {
        GatewayConfig config = load(env("AUTH_METHODS", "TrustedThumbprints", "ALLOWED_CLIENT_CERTS", DEVICE_1 + ";" + DEVICE_2));

        assertThat(config.policy().chainValidation()).isFalse();
        assertThat(config.policy().allowedThumbprints()).containsExactly(DEVICE_1, DEVICE_2);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "CertChainValidation;TrustedThumbprints",
        "certchainvalidation;TRUSTEDTHUMBPRINTS",
        " TrustedThumbprints ; CertChainValidation ;",
        "CertChainValidation;;TrustedThumbprints",
    })
    void bothMethodsWhateverTheSpelling(String methods) throws Exception {
        GatewayConfig config = load(env("AUTH_METHODS", methods, "ALLOWED_CLIENT_CERTS", " " + DEVICE_1 + " ; " + DEVICE_2 + " "));

        assertThat(config.policy().chainValidation()).isTrue();
        assertThat(config.policy().allowedThumbprints()).containsExactly(DEVICE_1, DEVICE_2);
    }

    @Test
    void rootThumbprintWithChainValidation() throws Exception {
        GatewayConfig config = load(env("AUTH_METHODS", "CertChainValidation", "CERT_ROOT_THUMBPRINT", " " + ROOT + " "));

        assertThat(config.policy().trustedRootThumbprint()).isEqualTo(ROOT);
    }

    @Test
    void legacyRootThumbprintImpliesChainValidation() throws Exception {
        GatewayConfig config = load(env("CERT_ROOT_THUMBPRINT", ROOT));

        assertThat(config.policy().chainValidation()).isTrue();
        assertThat(config.policy().trustedRootThumbprint()).isEqualTo(ROOT);
        assertThat(config.policy().allowedThumbprints()).isEmpty();
    }

    @Test
    void legacyAllowedCertsImplyThumbprints() throws Exception {
        GatewayConfig config = load(env("ALLOWED_CLIENT_CERTS", DEVICE_1));

        assertThat(config.policy().chainValidation()).isFalse();
        assertThat(config.policy().allowedThumbprints()).containsExactly(DEVICE_1);
    }

    @Test
    void bothLegacySettingsImplyBothMethods() throws Exception {
        GatewayConfig config = load(env("CERT_ROOT_THUMBPRINT", ROOT, "ALLOWED_CLIENT_CERTS", DEVICE_1));

        assertThat(config.policy().chainValidation()).isTrue();
        assertThat(config.policy().allowedThumbprints()).containsExactly(DEVICE_1);
    }

    @Test
    void explicitMethodsIgnoreUnlistedLegacyAllowlist() throws Exception {
        // as in the origin: ALLOWED_CLIENT_CERTS only counts when TrustedThumbprints is listed
        GatewayConfig config = load(env("AUTH_METHODS", "CertChainValidation", "ALLOWED_CLIENT_CERTS", DEVICE_1));

        assertThat(config.policy().allowedThumbprints()).isEmpty();
    }

    @Test
    void rootThumbprintWithoutChainValidationIsRefusedNamingTheSetting() {
        assertThat(environmentProblems(env("AUTH_METHODS", "TrustedThumbprints", "ALLOWED_CLIENT_CERTS", DEVICE_1,
                "CERT_ROOT_THUMBPRINT", ROOT)))
                .singleElement().asString().startsWith("CERT_ROOT_THUMBPRINT:").contains("CertChainValidation");
    }

    @Test
    void thumbprintsListedWithoutAnyIsRefused() {
        assertThat(environmentProblems(env("AUTH_METHODS", "TrustedThumbprints")))
                .singleElement().asString().startsWith("ALLOWED_CLIENT_CERTS:");
        assertThat(environmentProblems(env("AUTH_METHODS", "TrustedThumbprints", "ALLOWED_CLIENT_CERTS", " ; ")))
                .singleElement().asString().startsWith("ALLOWED_CLIENT_CERTS:");
    }

    @Test
    void badThumbprintsAreRefusedNamingTheVariable() {
        assertThat(environmentProblems(env("ALLOWED_CLIENT_CERTS", DEVICE_1 + ";A94A8FE5")))
                .containsExactly("ALLOWED_CLIENT_CERTS: 'A94A8FE5' is not a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint");
        assertThat(environmentProblems(env("CERT_ROOT_THUMBPRINT", "root-ca")))
                .containsExactly("CERT_ROOT_THUMBPRINT: 'root-ca' is not a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint");
    }

    @Test
    void thumbprintCopiedFromWindowsIsAccepted() throws Exception {
        GatewayConfig config = load(env("ALLOWED_CLIENT_CERTS", "\u200ea9 4a 8f e5 cc b1 9b a6 1c 4c 08 73 d3 91 e9 87 98 2f bb d3"));

        assertThat(config.policy().allowedThumbprints()).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"EntraDeviceCert", "entradevicecert", "CertChainValidation;EntraDeviceCert"})
    void entraDeviceCertBecomesTheListenersPolicy(String methods) throws Exception {
        GatewayConfig config = load(env("AUTH_METHODS", methods));

        assertThat(config.listener().policy()).isEqualTo(OriginSettings.ORIGIN_POLICY);
        assertThat(config.listenerPolicyUsesEntra()).isTrue();
        assertThat(config.policies().get(OriginSettings.ORIGIN_POLICY).toString()).isEqualTo("{\"allOf\":[{\"entraDevice\":{}}]}");
    }

    @Test
    void unknownMethodIsRefusedNamingIt() {
        assertThat(environmentProblems(env("AUTH_METHODS", "CertChainValidation;PasswordOfTheDay")))
                .containsExactly("AUTH_METHODS: unknown method 'PasswordOfTheDay' (known: EntraDeviceCert, CertChainValidation, TrustedThumbprints)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Online", "Offline", "online"})
    void revocationModeTurnsOnDistributionPoints(String mode) throws Exception {
        GatewayConfig config = load(env("AUTH_METHODS", "CertChainValidation", "CERT_REVOCATION_MODE", mode));

        assertThat(config.revocation().crlDistributionPoints()).isTrue();
        assertThat(config.revocation().ocsp().enabled()).isEqualTo(mode.equalsIgnoreCase("Online"));
    }

    @Test
    void unknownRevocationModeIsRefused() {
        assertThat(environmentProblems(env("AUTH_METHODS", "CertChainValidation", "CERT_REVOCATION_MODE", "Sometimes")))
                .containsExactly("CERT_REVOCATION_MODE: 'Sometimes' is not one of NoCheck, Online, Offline");
    }

    @ParameterizedTest
    @ValueSource(strings = {"NoCheck", "nocheck", " NOCHECK ", ""})
    void noRevocationCheckIsAccepted(String mode) throws Exception {
        assertThat(load(env("AUTH_METHODS", "CertChainValidation", "CERT_REVOCATION_MODE", mode)).policy().chainValidation()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"COSMOS", "cosmos", "SQL"})
    void otherWorkloadsAreRefusedNamingTheSetting(String workload) {
        assertThat(environmentProblems(env("AUTH_METHODS", "CertChainValidation", "WORKLOAD", workload)))
                .singleElement().asString().isEqualTo("WORKLOAD: '" + workload + "' is not one of APPSETTINGS, KEYVAULT, TABLE");
    }

    @ParameterizedTest
    @ValueSource(strings = {"APPSETTINGS", "AppSettings", ""})
    void appSettingsWorkloadServesVarSettings(String workload) throws Exception {
        GatewayConfig config = load(env("AUTH_METHODS", "CertChainValidation", "WORKLOAD", workload));

        assertThat(config.secrets().backends()).containsExactly(new BackendConfig.AppSettings("appsettings", "VAR_", Map.of()));
        assertThat(config.secrets().effectiveDefaultBackend()).isEqualTo("appsettings");
    }

    @Test
    void nothingConfiguredIsRefused() {
        assertThat(environmentProblems(env()))
                .singleElement().asString().startsWith("AUTH_METHODS: no authentication method configured");
        assertThat(environmentProblems(env("AUTH_METHODS", " ", "CERT_ROOT_THUMBPRINT", "", "ALLOWED_CLIENT_CERTS", "  ")))
                .singleElement().asString().startsWith("AUTH_METHODS: no authentication method configured");
    }

    // --- WORKLOAD=KEYVAULT

    private static BackendConfig.KeyVault keyVault(GatewayConfig config) {
        assertThat(config.secrets().backends()).singleElement().isInstanceOf(BackendConfig.KeyVault.class);
        return (BackendConfig.KeyVault) config.secrets().backends().get(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"KEYVAULT", "KeyVault", "keyvault"})
    void keyVaultWorkloadReadsTheVaultByNameWithTheManagedIdentity(String workload) throws Exception {
        GatewayConfig config = load(env("AUTH_METHODS", "CertChainValidation", "WORKLOAD", workload,
                "KEYVAULT_NAME", " contoso-secrets "));

        BackendConfig.KeyVault vault = keyVault(config);
        assertThat(vault.name()).isEqualTo("keyvault");
        assertThat(vault.type()).isEqualTo("keyvault");
        assertThat(vault.effectiveVaultUri()).hasToString("https://contoso-secrets.vault.azure.net");
        assertThat(vault.credential().type()).isEqualTo("managedIdentity");
        assertThat(config.secrets().effectiveDefaultBackend()).isEqualTo("keyvault");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://contoso.vault.azure.net", "https://contoso.vault.azure.net/", "https://contoso.vault.azure.cn"})
    void keyVaultWorkloadReadsTheVaultByUri(String uri) throws Exception {
        BackendConfig.KeyVault vault = keyVault(load(env("AUTH_METHODS", "CertChainValidation", "WORKLOAD", "KEYVAULT",
                "KEYVAULT_URI", uri)));

        assertThat(vault.effectiveVaultUri()).hasToString(uri);
        assertThat(vault.vaultName()).isNull();
    }

    @Test
    void keyVaultUriAndNameOfTheSameVaultAreAccepted() throws Exception {
        BackendConfig.KeyVault vault = keyVault(load(env("AUTH_METHODS", "CertChainValidation", "WORKLOAD", "KEYVAULT",
                "KEYVAULT_URI", "https://Contoso.vault.azure.net/", "KEYVAULT_NAME", "contoso")));

        assertThat(vault.effectiveVaultUri()).hasToString("https://Contoso.vault.azure.net/");
    }

    @Test
    void keyVaultUriAndNameOfDifferentVaultsAreRefused() {
        assertThat(environmentProblems(env("AUTH_METHODS", "CertChainValidation", "WORKLOAD", "KEYVAULT",
                "KEYVAULT_URI", "https://contoso.vault.azure.net", "KEYVAULT_NAME", "fabrikam")))
                .singleElement().asString().startsWith("KEYVAULT_URI:").contains("different vaults");
    }

    @Test
    void keyVaultWorkloadWithoutAVaultIsRefused() {
        assertThat(environmentProblems(env("AUTH_METHODS", "CertChainValidation", "WORKLOAD", "KEYVAULT")))
                .containsExactly("KEYVAULT_URI: WORKLOAD=KEYVAULT needs KEYVAULT_URI (https://<vault>.vault.azure.net) "
                        + "or KEYVAULT_NAME");
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil.com/x", "contoso.vault.azure.net", "con toso", "my_vault", "ab", "x--y", "vault?x=1", "a@b"})
    void keyVaultNamesThatAreNotVaultNamesAreRefused(String name) {
        // the origin pasted the name into the URL unchecked
        assertThat(environmentProblems(env("AUTH_METHODS", "CertChainValidation", "WORKLOAD", "KEYVAULT",
                "KEYVAULT_NAME", name)))
                .singleElement().asString().startsWith("KEYVAULT_NAME: '" + name + "' is not a Key Vault name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://contoso.vault.azure.net", "https://contoso.vault.azure.net/secrets/x",
        "https://contoso.vault.azure.net?api-version=1", "contoso", "https://con toso.vault.azure.net"})
    void keyVaultUrisThatAreNotAVaultsBaseUrlAreRefused(String uri) {
        assertThat(environmentProblems(env("AUTH_METHODS", "CertChainValidation", "WORKLOAD", "KEYVAULT",
                "KEYVAULT_URI", uri)))
                .singleElement().asString().startsWith("KEYVAULT_URI: '" + uri + "'");
    }

    @Test
    void keyVaultSettingsAreIgnoredForAppSettings() throws Exception {
        GatewayConfig config = load(env("AUTH_METHODS", "CertChainValidation", "KEYVAULT_NAME", "contoso"));

        assertThat(config.secrets().backends()).singleElement().isInstanceOf(BackendConfig.AppSettings.class);
    }

    @Test
    void everyUnsupportedSettingIsReportedAtOnce() {
        List<String> problems = environmentProblems(env("AUTH_METHODS", "CertChainValidation;Passwords",
                "CERT_REVOCATION_MODE", "Sometimes", "WORKLOAD", "COSMOS"));

        assertThat(problems).hasSize(3)
                .anySatisfy(p -> assertThat(p).startsWith("AUTH_METHODS:"))
                .anySatisfy(p -> assertThat(p).startsWith("CERT_REVOCATION_MODE:"))
                .anySatisfy(p -> assertThat(p).startsWith("WORKLOAD:"));
    }

    @Test
    void originGrantIsAnExplicitAnyAuthenticatedRule() throws Exception {
        GatewayConfig config = load(env("AUTH_METHODS", "CertChainValidation"));

        assertThat(config.access().rules()).singleElement().satisfies(rule -> {
            assertThat(rule.name()).isEqualTo(OriginSettings.ORIGIN_GRANT).isEqualTo("origin-any-authenticated");
            assertThat(rule.match().anyAuthenticated()).isTrue();
            assertThat(rule.match().isEmpty()).isTrue();
            assertThat(rule.secrets()).containsExactly("*");
        });
        assertThat(config.origin().enabled()).isTrue();
        assertThat(config.origin().path()).isEqualTo("/api/certificatesecretproxy");
    }

    @Test
    void chainValidationNeedsTheTrustAnchorOverride() {
        Map<String, String> env = env("AUTH_METHODS", "CertChainValidation");
        env.remove("MTLSPROXY_TLS__TRUSTANCHORS__0");

        assertThat(environmentProblems(env)).singleElement().asString().startsWith("tls.trustAnchors:");
    }

    @Test
    void listenerKeyMaterialComesFromOverrides() {
        Map<String, String> env = env("AUTH_METHODS", "CertChainValidation");
        env.remove("MTLSPROXY_TLS__PRIVATEKEY");

        assertThat(environmentProblems(env)).singleElement().asString().startsWith("tls.privateKey:");
    }

    @Test
    void overridesApplyOnTopOfTheOriginSettings() throws Exception {
        GatewayConfig config = load(env("AUTH_METHODS", "CertChainValidation",
                "MTLSPROXY_LISTENER__PORT", "443",
                "MTLSPROXY_ACCESS__RULES__0__SECRETS__0", "kiosk-*"));

        assertThat(config.listener().port()).isEqualTo(443);
        assertThat(config.access().rules().get(0).secrets()).containsExactly("kiosk-*");
    }

    @Test
    void relativeOverridePathsResolveAgainstTheWorkingDirectory() throws Exception {
        Map<String, String> env = env("AUTH_METHODS", "CertChainValidation");
        env.put("MTLSPROXY_TLS__CERTIFICATE", "certs/server.pem");

        assertThat(load(env).tls().certificate()).isEqualTo(Path.of("").toAbsolutePath().resolve("certs/server.pem"));
    }
}
