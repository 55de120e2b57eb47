package io.mtlsproxy.backends.table;

import static io.mtlsproxy.backends.table.TableBackendTest.await;
import static io.mtlsproxy.backends.table.TableBackendTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import io.mtlsproxy.backends.SecretRef;
import io.mtlsproxy.backends.SecretUnavailableException;
import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.EntraConfig.CredentialConfig;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The endpoint + credential form, end to end: the real azure-identity credential gets a storage
 * token from a local App Service managed-identity endpoint ({@code IDENTITY_ENDPOINT}), and the
 * real Table SDK sends it as a bearer token over HTTPS to Azurite running with {@code --oauth basic},
 * which refuses requests without a valid one (audience, issuer, lifetime).
 */
class TableCredentialTest {
    @TempDir
    static Path dir;

    private static Azurite azurite;
    private static HttpClient http;
    private static Rows rows;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);

    @BeforeAll
    static void startAzuriteOverHttps() throws Exception {
        IssuedCertificate ca = CertificateBuilder.ca("CN=Azurite test CA").selfSigned();
        IssuedCertificate server = CertificateBuilder.server("CN=127.0.0.1").ip("127.0.0.1").signedBy(ca);
        Path certificate = Files.writeString(dir.resolve("azurite.pem"), server.certificatePem());
        Path key = Files.writeString(dir.resolve("azurite.key"), server.privateKeyPem());
        azurite = Azurite.startHttpsWithOAuth(certificate, key);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trustManagers.getTrustManagers(), null);
        http = new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(tls)).build();
        rows = Rows.newTable(azurite, http).secret("wifi-office", "office-psk");
        TokenEndpoint.get();
    }

    @AfterAll
    static void stopAzurite() {
        if (azurite != null) {
            azurite.close();
        }
    }

    private TableBackend backend(CredentialConfig credential) throws Exception {
        BackendConfig.Table config = new BackendConfig.Table("devices",
                URI.create(azurite.accountUrl() + "/" + rows.name()), null, null, credential, null, null, null, null,
                Duration.ofSeconds(10), null);
        return TableBackend.create(config, executor, http);
    }

    private static CredentialConfig managedIdentity(String clientId) {
        return new CredentialConfig("managedIdentity", null, clientId, null, null, null);
    }

    @Test
    void managedIdentityTokenReadsTheRow() throws Exception {
        assertThat(await(backend(managedIdentity(null)).fetch(SecretRef.latest("wifi-office"))).value())
                .isEqualTo("office-psk");

        List<Map<String, String>> tokenRequests = TokenEndpoint.get().requests();
        assertThat(tokenRequests).anySatisfy(query -> {
            assertThat(query.get("resource")).isEqualTo(TokenEndpoint.STORAGE);
            assertThat(query).doesNotContainKey("client_id");
        });
    }

    @Test
    void defaultAzureCredentialFindsTheManagedIdentity() throws Exception {
        // no credential settings: DefaultAzureCredential, which reaches IDENTITY_ENDPOINT like App Service
        assertThat(await(backend(null).fetch(SecretRef.latest("wifi-office"))).value()).isEqualTo("office-psk");
    }

    @Test
    void tokenForTheWrongAudienceIsRefusedByTheStore() throws Exception {
        Throwable failure = failureOf(backend(managedIdentity(TokenEndpoint.WRONG_AUDIENCE_IDENTITY))
                .fetch(SecretRef.latest("wifi-office")));

        assertThat(failure).isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("the store refused the gateway's credentials (403");
    }

    @Test
    void identityWithoutATokenIsUnavailable() throws Exception {
        Throwable failure = failureOf(backend(managedIdentity(TokenEndpoint.REFUSED_IDENTITY))
                .fetch(SecretRef.latest("wifi-office")));

        assertThat(failure).isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("cannot get a token")
                .hasMessageNotContaining("office-psk");
        assertThat(TokenEndpoint.get().requests())
                .anySatisfy(query -> assertThat(query.get("client_id")).isEqualTo(TokenEndpoint.REFUSED_IDENTITY));
    }
}
