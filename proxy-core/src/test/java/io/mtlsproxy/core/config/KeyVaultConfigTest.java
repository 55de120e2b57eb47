package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code keyvault} backend kind in YAML: binding, defaults and the load-time checks. */
class KeyVaultConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fixture;

    @BeforeEach
    void fixture() {
        fixture = new ConfigFixture(dir);
    }

    private static String backend(String settings) {
        return """
                secrets:
                  backends:
                    - type: keyvault
                %s""".formatted(settings.indent(6));
    }

    private BackendConfig.KeyVault load(String settings) throws ConfigException {
        return (BackendConfig.KeyVault) fixture.loadWith(backend(settings)).secrets().backends().get(0);
    }

    private List<String> problems(String settings) {
        return fixture.problems(ConfigFixture.MINIMAL + backend(settings));
    }

    @Test
    void vaultNameBecomesThePublicCloudUrlWithDefaults() throws Exception {
        BackendConfig.KeyVault vault = load("vaultName: contoso-secrets");

        assertThat(vault.type()).isEqualTo("keyvault");
        assertThat(vault.name()).isEqualTo("keyvault");
        assertThat(vault.effectiveVaultUri()).isEqualTo(URI.create("https://contoso-secrets.vault.azure.net"));
        assertThat(vault.credential()).isEqualTo(EntraConfig.CredentialConfig.defaults());
        assertThat(vault.apiVersion()).isNull();
        assertThat(vault.cache()).isNull();
        assertThat(vault.timeout()).isNull();
        assertThat(vault.circuitBreaker()).isNull();
    }

    @Test
    void everySettingBinds() throws Exception {
        BackendConfig.KeyVault vault = load("""
                name: vault
                vaultUri: https://contoso.vault.azure.cn/
                credential:
                  type: clientSecret
                  tenantId: 00000000-0000-0000-0000-000000000001
                  clientId: 00000000-0000-0000-0000-000000000002
                  clientSecret: s3cr3t
                  authorityHost: https://login.chinacloudapi.cn
                apiVersion: "7.5"
                cache: {ttl: 1m}
                timeout: 2s
                circuitBreaker: {failureThreshold: 3}
                """);

        assertThat(vault.name()).isEqualTo("vault");
        assertThat(vault.effectiveVaultUri()).isEqualTo(URI.create("https://contoso.vault.azure.cn/"));
        assertThat(vault.credential().type()).isEqualTo("clientSecret");
        assertThat(vault.credential().clientSecret().reveal()).isEqualTo("s3cr3t");
        assertThat(vault.credential().authorityHost()).isEqualTo(URI.create("https://login.chinacloudapi.cn"));
        assertThat(vault.apiVersion()).isEqualTo("7.5");
        assertThat(vault.cache().ttl()).isEqualTo(Duration.ofMinutes(1));
        assertThat(vault.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(vault.circuitBreaker().failureThreshold()).isEqualTo(3);
        assertThat(vault.toString()).doesNotContain("s3cr3t");
    }

    @Test
    void vaultFromTheEnvironmentOverride() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL + backend("vaultName: placeholder"),
                Map.of("MTLSPROXY_SECRETS__BACKENDS__0__VAULTNAME", "from-env"));

        assertThat(((BackendConfig.KeyVault) config.secrets().backends().get(0)).vaultName()).isEqualTo("from-env");
    }

    @Test
    void vaultIsRequired() {
        assertThat(problems("name: vault")).containsExactly(
                "secrets.backends[0].vaultUri: a keyvault backend needs vaultUri (https://<vault>.vault.azure.net) or vaultName");
    }

    @Test
    void vaultUriAndNameTogetherAreRefused() {
        assertThat(problems("vaultUri: https://a.vault.azure.net\nvaultName: b"))
                .containsExactly("secrets.backends[0].vaultUri: set either vaultUri or vaultName, not both");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ab", "1vault", "vault-", "my--vault", "my_vault", "my.vault", "evil.com/x", "a-very-long-vault-name-25c"})
    void vaultNamesAzureWouldRefuseAreRefused(String name) {
        assertThat(problems("vaultName: \"" + name + "\"")).singleElement().asString()
                .startsWith("secrets.backends[0].vaultName: '" + name + "' is not a Key Vault name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "contoso-secrets", "A1-b2-C3", "a23456789012345678901234"})
    void validVaultNamesAreAccepted(String name) throws Exception {
        assertThat(load("vaultName: " + name).effectiveVaultUri().getHost()).isEqualTo(name + ".vault.azure.net");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://contoso.vault.azure.net", "https://contoso.vault.azure.net/secrets",
        "https://contoso.vault.azure.net?x=1", "https://contoso.vault.azure.net#f", "https:///path",
        "https://user@contoso.vault.azure.net", "contoso.vault.azure.net"})
    void vaultUrisThatAreNotAVaultsBaseUrlAreRefused(String uri) {
        assertThat(problems("vaultUri: \"" + uri + "\"")).singleElement().asString()
                .startsWith("secrets.backends[0].vaultUri: '" + uri + "'");
    }

    @Test
    void vaultUriWithPortIsAccepted() throws Exception {
        assertThat(load("vaultUri: https://10.0.0.5:8443").effectiveVaultUri().getPort()).isEqualTo(8443);
    }

    @Test
    void unknownCredentialTypeIsRefusedNamingTheChoices() {
        assertThat(problems("vaultName: contoso\ncredential: {type: password}")).containsExactly(
                "secrets.backends[0].credential.type: unknown 'password' (expected default, managedIdentity, "
                        + "workloadIdentity, clientSecret, clientCertificate)");
    }

    @Test
    void credentialSettingsAreCheckedForTheirType() {
        assertThat(problems("vaultName: contoso\ncredential: {type: clientSecret}")).containsExactlyInAnyOrder(
                "secrets.backends[0].credential.tenantId: required for type clientSecret",
                "secrets.backends[0].credential.clientId: required for type clientSecret",
                "secrets.backends[0].credential.clientSecret: required for type clientSecret");
        assertThat(problems("vaultName: contoso\ncredential: {type: clientCertificate, tenantId: t, clientId: c}"))
                .containsExactly("secrets.backends[0].credential.certificate: required for type clientCertificate");
        assertThat(problems("vaultName: contoso\ncredential: {type: managedIdentity, tenantId: t, clientSecret: s}"))
                .containsExactlyInAnyOrder(
                        "secrets.backends[0].credential.tenantId: not used by type managedIdentity; remove it",
                        "secrets.backends[0].credential.clientSecret: not used by type managedIdentity; remove it");
        assertThat(problems("vaultName: contoso\ncredential: {type: workloadIdentity, certificate: /x.pem}"))
                .containsExactly("secrets.backends[0].credential.certificate: not used by type workloadIdentity; remove it");
        assertThat(problems("vaultName: contoso\ncredential: {authorityHost: \"http://login.example\"}"))
                .containsExactly("secrets.backends[0].credential.authorityHost: must be an https URL, e.g. "
                        + "https://login.microsoftonline.com");
    }

    @Test
    void credentialTypeIsCaseInsensitive() throws Exception {
        assertThat(load("vaultName: contoso\ncredential: {type: MANAGEDIDENTITY, clientId: c}").credential().clientId())
                .isEqualTo("c");
    }

    @Test
    void emptyApiVersionIsRefused() {
        assertThat(problems("vaultName: contoso\napiVersion: \" \"")).containsExactly(
                "secrets.backends[0].apiVersion: empty; leave it out for the client library's newest");
    }
}
