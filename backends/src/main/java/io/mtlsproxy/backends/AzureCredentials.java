package io.mtlsproxy.backends;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.EntraConfig.CredentialConfig;
import io.mtlsproxy.core.pki.PemFiles;
import io.mtlsproxy.core.pki.PkiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executor;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMParser;

/**
 * Builds the azure-identity credential a backend signs in with, from a credential setting that
 * the config validation has already checked (type known, required fields present, misplaced
 * ones refused). Its HTTP goes through the JDK HttpClient adapter, never azure-core's Netty 4.1
 * client.
 *
 * <ul>
 *   <li>{@code default}: DefaultAzureCredential (environment service principal, workload identity,
 *       managed identity, then developer tools); {@code clientId} selects a user-assigned managed
 *       identity, {@code tenantId} and {@code authorityHost} apply.</li>
 *   <li>{@code managedIdentity}: ManagedIdentityCredential (App Service's IDENTITY_ENDPOINT, VM and
 *       AKS IMDS, ...); {@code clientId} for a user-assigned identity.</li>
 *   <li>{@code workloadIdentity}: WorkloadIdentityCredential (AKS, federated token in
 *       AZURE_FEDERATED_TOKEN_FILE); {@code tenantId} / {@code clientId} override AZURE_TENANT_ID /
 *       AZURE_CLIENT_ID.</li>
 *   <li>{@code clientSecret}: ClientSecretCredential.</li>
 *   <li>{@code clientCertificate}: ClientCertificateCredential, {@code certificate} a PEM file with
 *       the certificate and its unencrypted key.</li>
 * </ul>
 */
public final class AzureCredentials {
    private AzureCredentials() {}

    /**
     * @param at the setting's path, e.g. {@code secrets.backends[0].credential}, for messages
     * @param timeout bounds the credential's own connections and responses
     * @param executor where the credential's HTTP client runs its work; never an event loop
     * @throws ConfigException naming the setting when the certificate file is unusable or
     *     azure-identity refuses the settings
     */
    public static TokenCredential fromConfig(CredentialConfig config, String at, Duration timeout, Executor executor)
            throws ConfigException {
        String type = config.type().trim().toLowerCase(Locale.ROOT);
        if (type.equals("clientcertificate")) {
            String unusable = unusableCertificateFile(config.certificate());
            if (unusable != null) {
                throw new ConfigException(at + ".certificate: " + unusable);
            }
        }
        HttpClient http = new JdkHttpClientBuilder()
                .executor(executor)
                .connectionTimeout(timeout)
                .responseTimeout(timeout)
                .build();
        String authorityHost = config.authorityHost() == null ? null : config.authorityHost().toString();
        try {
            return switch (type) {
                case "default" -> {
                    DefaultAzureCredentialBuilder builder = new DefaultAzureCredentialBuilder().httpClient(http);
                    if (config.clientId() != null) {
                        builder.managedIdentityClientId(config.clientId());
                    }
                    if (config.tenantId() != null) {
                        builder.tenantId(config.tenantId());
                    }
                    if (authorityHost != null) {
                        builder.authorityHost(authorityHost);
                    }
                    yield builder.build();
                }
                case "managedidentity" -> {
                    ManagedIdentityCredentialBuilder builder = new ManagedIdentityCredentialBuilder().httpClient(http);
                    if (config.clientId() != null) {
                        builder.clientId(config.clientId());
                    }
                    yield builder.build();
                }
                case "workloadidentity" -> {
                    WorkloadIdentityCredentialBuilder builder = new WorkloadIdentityCredentialBuilder().httpClient(http);
                    if (config.tenantId() != null) {
                        builder.tenantId(config.tenantId());
                    }
                    if (config.clientId() != null) {
                        builder.clientId(config.clientId());
                    }
                    if (authorityHost != null) {
                        builder.authorityHost(authorityHost);
                    }
                    yield builder.build();
                }
                case "clientsecret" -> {
                    ClientSecretCredentialBuilder builder = new ClientSecretCredentialBuilder()
                            .httpClient(http)
                            .tenantId(config.tenantId())
                            .clientId(config.clientId())
                            .clientSecret(config.clientSecret().reveal());
                    if (authorityHost != null) {
                        builder.authorityHost(authorityHost);
                    }
                    yield builder.build();
                }
                case "clientcertificate" -> {
                    ClientCertificateCredentialBuilder builder = new ClientCertificateCredentialBuilder()
                            .httpClient(http)
                            .tenantId(config.tenantId())
                            .clientId(config.clientId())
                            .pemCertificate(config.certificate().toString());
                    if (authorityHost != null) {
                        builder.authorityHost(authorityHost);
                    }
                    yield builder.build();
                }
                default -> throw new ConfigException(at + ".type: unknown '" + config.type() + "'");
            };
        } catch (RuntimeException e) {
            // azure-identity validates ids, URLs and the environment when building; its messages
            // name settings, never the client secret
            throw new ConfigException(at + ".type: cannot build the " + config.type() + " credential ("
                    + firstLine(e.getMessage()) + ")", e);
        }
    }

    /** Null when the PEM file holds a certificate and an unencrypted private key, as azure-identity needs. */
    private static String unusableCertificateFile(Path file) {
        boolean certificate = false;
        try (PEMParser parser = new PEMParser(Files.newBufferedReader(file, StandardCharsets.US_ASCII))) {
            Object object;
            while ((object = parser.readObject()) != null) {
                certificate |= object instanceof X509CertificateHolder;
            }
        } catch (IOException | RuntimeException e) {
            return file + ": not a readable PEM file (" + e.getClass().getSimpleName() + ")";
        }
        if (!certificate) {
            return file + ": no certificate found (expected the application's certificate and its key in PEM)";
        }
        try {
            PemFiles.readPrivateKey(file, null);
        } catch (PkiException e) {
            return e.getMessage();
        }
        return null;
    }

    static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        String line = message.lines().findFirst().orElse("").strip();
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
