package io.mtlsproxy.backends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.EntraConfig.CredentialConfig;
import io.mtlsproxy.core.config.SecretsConfig;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Building Key Vault backends from config: what is refused at start-up, naming the setting. */
class KeyVaultBackendsConfigTest {
    private static final CredentialConfig MANAGED_IDENTITY = new CredentialConfig("managedIdentity", null, null, null, null, null);

    @TempDir
    Path dir;
    final FakeTime ticker = new FakeTime();

    private static SecretsConfig secrets(BackendConfig backend) {
        return new SecretsConfig(null, List.of(backend), null);
    }

    @Test
    void vaultByNameIsBuiltWithTheConfiguredCredential() throws Exception {
        BackendConfig.KeyVault config = new BackendConfig.KeyVault("vault", null, "contoso-secrets", MANAGED_IDENTITY,
                "7.5", null, Duration.ofSeconds(2), null);

        KeyVaultBackend backend = KeyVaultBackend.fromConfig(config, "secrets.backends[0]", Runnable::run, Clock.systemUTC());

        assertThat(backend.name()).isEqualTo("vault");
        assertThat(backend.type()).isEqualTo("keyvault");
        assertThat(backend.vault()).isEqualTo(URI.create("https://contoso-secrets.vault.azure.net"));
        try (SecretBackends backends = SecretBackends.fromConfig(secrets(config), Map.of(), Runnable::run, ticker)) {
            // a name Key Vault cannot hold is answered without touching the (unreachable) vault
            Throwable failure = Futures.failure(backends.resolve("db_password"));
            assertThat(failure).isInstanceOf(SecretNotFoundException.class);
        }
    }

    @Test
    void everyCredentialTypeBuildsWithoutANetworkCall() throws Exception {
        IssuedCertificate app = CertificateBuilder.client("CN=gateway app").selfSigned();
        Path pem = Files.writeString(dir.resolve("app.pem"), app.certificatePem() + app.privateKeyPem());
        List<CredentialConfig> credentials = List.of(
                CredentialConfig.defaults(),
                MANAGED_IDENTITY,
                new CredentialConfig("managedIdentity", null, "00000000-0000-0000-0000-000000000002", null, null, null),
                new CredentialConfig("clientSecret", "00000000-0000-0000-0000-000000000001",
                        "00000000-0000-0000-0000-000000000002", new io.mtlsproxy.core.config.Secret("s3cr3t"), null, null),
                new CredentialConfig("clientCertificate", "00000000-0000-0000-0000-000000000001",
                        "00000000-0000-0000-0000-000000000002", null, pem, null));

        for (CredentialConfig credential : credentials) {
            assertThat(AzureCredentials.fromConfig(credential, "x.credential", Duration.ofSeconds(1), Runnable::run))
                    .as(credential.type()).isNotNull();
        }
    }

    @Test
    void unknownApiVersionIsRefusedNamingTheKnownOnes() {
        BackendConfig.KeyVault config = new BackendConfig.KeyVault("vault", null, "contoso", MANAGED_IDENTITY, "2016-10-01",
                null, null, null);

        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> SecretBackends.fromConfig(secrets(config), Map.of(), Runnable::run, ticker));

        assertThat(e.problems()).singleElement().asString()
                .startsWith("secrets.backends[0].apiVersion: '2016-10-01' is not one this client speaks (7.0, ")
                .contains("7.5", "2025-07-01");
    }

    @Test
    void unreadableClientCertificateIsRefusedNamingTheSetting() throws Exception {
        Path notPem = Files.writeString(dir.resolve("app.pem"), "not a certificate");
        BackendConfig.KeyVault config = new BackendConfig.KeyVault("vault", null, "contoso",
                new CredentialConfig("clientCertificate", "t", "c", null, notPem, null));

        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> SecretBackends.fromConfig(secrets(config), Map.of(), Runnable::run, ticker));

        assertThat(e.problems()).singleElement().asString().startsWith("secrets.backends[0].credential.certificate: ");
    }

    @Test
    void workloadIdentityWithoutItsTokenFileIsRefusedNamingTheSetting() {
        // the webhook's AZURE_FEDERATED_TOKEN_FILE is not set on the test JVM
        BackendConfig.KeyVault config = new BackendConfig.KeyVault("vault", null, "contoso",
                new CredentialConfig("workloadIdentity", "00000000-0000-0000-0000-000000000001",
                        "00000000-0000-0000-0000-000000000002", null, null, null));

        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> SecretBackends.fromConfig(secrets(config), Map.of(), Runnable::run, ticker));

        assertThat(e.problems()).singleElement().asString()
                .startsWith("secrets.backends[0].credential.type: cannot build the workloadIdentity credential");
    }
}
