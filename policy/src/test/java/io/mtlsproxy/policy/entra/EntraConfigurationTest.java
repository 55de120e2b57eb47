package io.mtlsproxy.policy.entra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.EntraConfig;
import io.mtlsproxy.core.config.EntraConfig.CredentialConfig;
import io.mtlsproxy.core.config.Secret;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link EntraDeviceCheck#fromConfig}: every unusable setting is named, all at once; usable ones build. */
class EntraConfigurationTest {
    private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    private static final String CLIENT = "0f6c2a9e-1b7d-4c1e-8f3a-5d2e7c9b4a61";

    @TempDir
    Path dir;

    private static EntraConfig entra(CredentialConfig credential) {
        return entra(credential, null, null, List.of());
    }

    private static EntraConfig entra(CredentialConfig credential, Path bundle, URI graph, List<String> trustTypes) {
        return new EntraConfig(graph, credential, bundle, null, null, null, null, null, trustTypes, null, null, null);
    }

    private static ConfigException refusal(EntraConfig config) {
        try (EntraDeviceCheck check = EntraDeviceCheck.fromConfig(config, Clock.systemUTC(), Ticker.systemTicker())) {
            throw new AssertionError("accepted: " + check.name());
        } catch (ConfigException e) {
            return e;
        }
    }

    @Test
    void namesAnUnknownCredentialType() {
        ConfigException e = refusal(entra(new CredentialConfig("kerberos", null, null, null, null, null)));

        assertThat(e.problems()).singleElement().asString()
                .startsWith("entra.credential.type: unknown 'kerberos'")
                .contains("managedIdentity");
    }

    @Test
    void namesAMissingIssuerCaBundle() {
        Path missing = dir.resolve("missing.pem");

        ConfigException e = refusal(entra(CredentialConfig.defaults(), missing, null, List.of()));

        assertThat(e.problems()).singleElement().asString().startsWith("entra.issuerCaBundle: ").contains("missing.pem");
    }

    @Test
    void refusesAnIssuerCaBundleWithoutTheConfiguredIssuer() throws Exception {
        IssuedCertificate other = EntraPki.ca("CN=Contoso Devices");
        Path bundle = Files.writeString(dir.resolve("ca.pem"), other.certificatePem(), StandardCharsets.US_ASCII);

        ConfigException e = refusal(entra(CredentialConfig.defaults(), bundle, null, List.of()));

        assertThat(e.problems()).singleElement().asString()
                .startsWith("entra.issuerCaBundle: ")
                .contains("CN=MS-Organization-Access");
    }

    @Test
    void namesEveryMissingClientSecretSettingWithoutPrintingTheSecret() {
        ConfigException e = refusal(entra(new CredentialConfig("clientSecret", null, null, new Secret("s3cr3t-value"), null, null)));

        assertThat(e.problems()).containsExactlyInAnyOrder(
                "entra.credential.tenantId: required for type clientSecret",
                "entra.credential.clientId: required for type clientSecret");
        assertThat(e.getMessage()).doesNotContain("s3cr3t-value");
    }

    @Test
    void refusesSettingsThatTheCredentialTypeDoesNotUse() {
        ConfigException e = refusal(entra(new CredentialConfig("managedIdentity", TENANT, null, new Secret("x"), null,
                URI.create("https://login.microsoftonline.us"))));

        assertThat(e.problems()).containsExactlyInAnyOrder(
                "entra.credential.tenantId: not used by type managedIdentity; remove it",
                "entra.credential.clientSecret: not used by type managedIdentity; remove it",
                "entra.credential.authorityHost: not used by type managedIdentity; remove it");
    }

    @Test
    void namesAnUnreadableClientCertificate() throws Exception {
        Path certOnly = Files.writeString(dir.resolve("graph-client.pem"), EntraPki.ca("CN=app").certificatePem());

        ConfigException e = refusal(entra(new CredentialConfig("clientCertificate", TENANT, CLIENT, null, certOnly, null)));

        assertThat(e.problems()).singleElement().asString().startsWith("entra.credential.certificate: ");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        EntraConfig config = entra(new CredentialConfig("kerberos", null, null, null, null, null),
                dir.resolve("missing.pem"), URI.create("http://graph.example"), List.of("Joined"));

        ConfigException e = refusal(config);

        assertThat(e.problems()).hasSize(4);
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("entra.credential.type: "));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("entra.issuerCaBundle: "));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("entra.graphEndpoint: "));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("entra.allowedTrustTypes: unknown 'Joined'"));
    }

    @Test
    void refusesAnIssuerThatIsNotADistinguishedName() {
        EntraConfig config = new EntraConfig(null, null, null, "MS-Organization-Access", null, null, null, null, null,
                null, null, null);

        assertThat(refusal(config).problems()).singleElement().asString().startsWith("entra.issuer: ");
    }

    @Test
    void buildsEachCredentialType() throws Exception {
        IssuedCertificate app = EntraPki.ca("CN=graph-client");
        Path pem = Files.writeString(dir.resolve("graph-client.pem"), app.certificatePem() + "\n" + app.privateKeyPem());
        List<CredentialConfig> credentials = List.of(
                CredentialConfig.defaults(),
                new CredentialConfig("managedIdentity", null, CLIENT, null, null, null),
                new CredentialConfig("clientSecret", TENANT, CLIENT, new Secret("s3cr3t"), null,
                        URI.create("https://login.microsoftonline.us")),
                new CredentialConfig("clientCertificate", TENANT, CLIENT, null, pem, null));

        for (CredentialConfig credential : credentials) {
            try (EntraDeviceCheck check = EntraDeviceCheck.fromConfig(entra(credential), Clock.systemUTC(), Ticker.systemTicker())) {
                assertThat(check.name()).isEqualTo("entra-device");
            }
        }
    }

    @Test
    void theTestConstructorValidatesToo() {
        EntraConfig config = new EntraConfig(null, null, null, "not a dn", null, null, null, Duration.ZERO, null,
                null, null, null);

        assertThatThrownBy(() -> new EntraDeviceCheck(config, request -> null, java.net.http.HttpClient.newHttpClient(),
                Clock.systemUTC(), Ticker.systemTicker()))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .anySatisfy(p -> assertThat(p).startsWith("entra.issuer: "))
                        .anySatisfy(p -> assertThat(p).startsWith("entra.timeout: ")));
    }
}
