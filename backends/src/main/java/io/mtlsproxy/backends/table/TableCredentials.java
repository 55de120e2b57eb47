package io.mtlsproxy.backends.table;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import io.mtlsproxy.core.config.EntraConfig.CredentialConfig;
import java.util.Locale;

/**
 * The azure-identity credential a Table backend signs in with, from its {@code credential}
 * settings (already checked at load: which settings each type needs or refuses). Its HTTP goes
 * through the backend's JDK HttpClient, never azure-core's Netty client.
 *
 * <ul>
 *   <li>{@code default} (also when {@code credential} is absent): DefaultAzureCredential
 *       (environment, workload identity, managed identity, developer tools); {@code clientId}
 *       selects a user-assigned managed identity.</li>
 *   <li>{@code managedIdentity}: ManagedIdentityCredential (App Service's {@code IDENTITY_ENDPOINT},
 *       IMDS elsewhere); {@code clientId} for a user-assigned identity.</li>
 *   <li>{@code workloadIdentity}: WorkloadIdentityCredential (AKS: {@code AZURE_FEDERATED_TOKEN_FILE};
 *       {@code tenantId} and {@code clientId} override {@code AZURE_TENANT_ID} / {@code AZURE_CLIENT_ID}).</li>
 *   <li>{@code clientSecret}, {@code clientCertificate}: an app registration's secret, or its
 *       certificate and key in one PEM file.</li>
 * </ul>
 */
final class TableCredentials {
    private TableCredentials() {}

    static TokenCredential fromConfig(CredentialConfig config, HttpClient http) {
        CredentialConfig c = config == null ? CredentialConfig.defaults() : config;
        String authorityHost = c.authorityHost() == null ? null : c.authorityHost().toString();
        return switch (c.type().trim().toLowerCase(Locale.ROOT)) {
            case "managedidentity" -> {
                ManagedIdentityCredentialBuilder builder = new ManagedIdentityCredentialBuilder().httpClient(http);
                if (c.clientId() != null) {
                    builder.clientId(c.clientId());
                }
                yield builder.build();
            }
            case "workloadidentity" -> {
                WorkloadIdentityCredentialBuilder builder = new WorkloadIdentityCredentialBuilder().httpClient(http);
                if (c.tenantId() != null) {
                    builder.tenantId(c.tenantId());
                }
                if (c.clientId() != null) {
                    builder.clientId(c.clientId());
                }
                if (authorityHost != null) {
                    builder.authorityHost(authorityHost);
                }
                yield builder.build();
            }
            case "clientsecret" -> {
                ClientSecretCredentialBuilder builder = new ClientSecretCredentialBuilder().httpClient(http)
                        .tenantId(c.tenantId()).clientId(c.clientId()).clientSecret(c.clientSecret().reveal());
                if (authorityHost != null) {
                    builder.authorityHost(authorityHost);
                }
                yield builder.build();
            }
            case "clientcertificate" -> {
                ClientCertificateCredentialBuilder builder = new ClientCertificateCredentialBuilder().httpClient(http)
                        .tenantId(c.tenantId()).clientId(c.clientId()).pemCertificate(c.certificate().toString());
                if (authorityHost != null) {
                    builder.authorityHost(authorityHost);
                }
                yield builder.build();
            }
            default -> {
                DefaultAzureCredentialBuilder builder = new DefaultAzureCredentialBuilder().httpClient(http);
                if (c.clientId() != null) {
                    builder.managedIdentityClientId(c.clientId());
                }
                if (c.tenantId() != null) {
                    builder.tenantId(c.tenantId());
                }
                if (authorityHost != null) {
                    builder.authorityHost(authorityHost);
                }
                yield builder.build();
            }
        };
    }
}
