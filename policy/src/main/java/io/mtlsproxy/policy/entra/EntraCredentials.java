package io.mtlsproxy.policy.entra;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.EntraConfig.CredentialConfig;
import io.mtlsproxy.core.pki.PemFiles;
import io.mtlsproxy.core.pki.PkiException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMParser;

/**
 * Builds the azure-identity credential the gateway signs in to Graph with, from
 * {@code entra.credential}. Its HTTP goes through the JDK HttpClient adapter (never azure-core's
 * Netty 4.1 client). Settings that do not apply to the chosen type are refused, not ignored.
 *
 * <ul>
 *   <li>{@code default}: DefaultAzureCredential (environment, workload identity, managed identity,
 *       then developer tools); {@code clientId} selects a user-assigned managed identity,
 *       {@code tenantId} and {@code authorityHost} apply.</li>
 *   <li>{@code managedIdentity}: ManagedIdentityCredential; {@code clientId} for a user-assigned identity.</li>
 *   <li>{@code clientSecret}: ClientSecretCredential; {@code tenantId}, {@code clientId}, {@code clientSecret}.</li>
 *   <li>{@code clientCertificate}: ClientCertificateCredential; {@code tenantId}, {@code clientId},
 *       {@code certificate} (PEM with the certificate and its unencrypted key).</li>
 * </ul>
 */
public final class EntraCredentials {
    private static final String PREFIX = "entra.credential.";

    private EntraCredentials() {}

    /**
     * @param timeout bounds the credential's own connections and responses
     * @param executor where the credential's HTTP client runs its work
     * @throws ConfigException naming each setting that is missing, misplaced or unreadable
     */
    public static TokenCredential fromConfig(CredentialConfig config, Duration timeout, Executor executor)
            throws ConfigException {
        List<String> problems = new ArrayList<>();
        String type = config.type().trim().toLowerCase(Locale.ROOT);
        switch (type) {
            case "default" -> {
                notFor(problems, "default", "clientSecret", config.clientSecret() != null);
                notFor(problems, "default", "certificate", config.certificate() != null);
            }
            case "managedidentity" -> {
                notFor(problems, "managedIdentity", "tenantId", config.tenantId() != null);
                notFor(problems, "managedIdentity", "clientSecret", config.clientSecret() != null);
                notFor(problems, "managedIdentity", "certificate", config.certificate() != null);
                notFor(problems, "managedIdentity", "authorityHost", config.authorityHost() != null);
            }
            case "clientsecret" -> {
                required(problems, "clientSecret", "tenantId", config.tenantId());
                required(problems, "clientSecret", "clientId", config.clientId());
                required(problems, "clientSecret", "clientSecret",
                        config.clientSecret() == null ? null : config.clientSecret().reveal());
                notFor(problems, "clientSecret", "certificate", config.certificate() != null);
            }
            case "clientcertificate" -> {
                required(problems, "clientCertificate", "tenantId", config.tenantId());
                required(problems, "clientCertificate", "clientId", config.clientId());
                notFor(problems, "clientCertificate", "clientSecret", config.clientSecret() != null);
                if (config.certificate() == null) {
                    problems.add(PREFIX + "certificate: required for type clientCertificate");
                } else {
                    String unusable = unusableCertificateFile(config.certificate());
                    if (unusable != null) {
                        problems.add(PREFIX + "certificate: " + unusable);
                    }
                }
            }
            default -> problems.add(PREFIX + "type: unknown '" + config.type()
                    + "' (expected default, managedIdentity, clientSecret or clientCertificate)");
        }
        URI authority = config.authorityHost();
        if (authority != null && (!"https".equalsIgnoreCase(authority.getScheme()) || authority.getHost() == null)) {
            problems.add(PREFIX + "authorityHost: must be an https URL, e.g. https://login.microsoftonline.com");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }

        HttpClient http = new JdkHttpClientBuilder()
                .executor(executor)
                .connectionTimeout(timeout)
                .responseTimeout(timeout)
                .build();
        String authorityHost = authority == null ? null : authority.toString();
        try {
            return switch (type) {
                case "managedidentity" -> {
                    ManagedIdentityCredentialBuilder builder = new ManagedIdentityCredentialBuilder().httpClient(http);
                    if (config.clientId() != null) {
                        builder.clientId(config.clientId());
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
                default -> {
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
            };
        } catch (RuntimeException e) {
            // azure-identity validates ids and URLs when building; its message never holds the secret
            throw new ConfigException(PREFIX + "type: cannot build the " + config.type() + " credential ("
                    + BearerTokens.firstLine(e.getMessage()) + ")", e);
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

    private static void required(List<String> problems, String type, String setting, String value) {
        if (value == null || value.isBlank()) {
            problems.add(PREFIX + setting + ": required for type " + type);
        }
    }

    private static void notFor(List<String> problems, String type, String setting, boolean present) {
        if (present) {
            problems.add(PREFIX + setting + ": not used by type " + type + "; remove it");
        }
    }
}
