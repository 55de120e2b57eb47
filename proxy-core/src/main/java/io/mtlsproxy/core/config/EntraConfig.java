package io.mtlsproxy.core.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Microsoft Entra device certificates (the origin's EntraDeviceCert), checked against Microsoft
 * Graph. Used by the {@code entraDevice} policy rule and by {@code AUTH_METHODS=EntraDeviceCert}.
 *
 * @param graphEndpoint Graph's base URL (sovereign clouds and tests change it)
 * @param credential how the gateway authenticates to Graph (needs Device.Read.All)
 * @param issuerCaBundle PEM bundle of the MS-Organization-Access CA(s) that must have issued the device
 *     certificate; when absent only the issuer name is checked
 * @param issuer the issuer DN device certificates must carry
 * @param positiveTtl how long a good Graph answer is reused
 * @param negativeTtl how long a "no such device" / "disabled" answer is reused
 * @param cacheSize bound on cached Graph answers
 * @param timeout the longest one Graph lookup (token included) may take
 * @param allowedTrustTypes when set, the device's trustType must be one of these (AzureAd, ServerAd, Workplace)
 * @param requireCompliant the device must be marked compliant (isCompliant)
 * @param requireManaged the device must be managed (isManaged)
 * @param whenUnavailable {@code FAIL_CLOSED} (the default: 503 with Retry-After) or {@code FAIL_OPEN}
 */
public record EntraConfig(
        URI graphEndpoint,
        CredentialConfig credential,
        Path issuerCaBundle,
        String issuer,
        Duration positiveTtl,
        Duration negativeTtl,
        Integer cacheSize,
        Duration timeout,
        List<String> allowedTrustTypes,
        Boolean requireCompliant,
        Boolean requireManaged,
        RevocationConfig.FailMode whenUnavailable) {

    /** The issuer of Entra device certificates (the device registration service's MS-Organization-Access CA). */
    public static final String DEVICE_ISSUER = "OU=82dbaca4-3e81-46ca-9c73-0950c1eaca97,CN=MS-Organization-Access,DC=windows,DC=net";

    public EntraConfig {
        graphEndpoint = Objects.requireNonNullElse(graphEndpoint, URI.create("https://graph.microsoft.com"));
        credential = Objects.requireNonNullElseGet(credential, CredentialConfig::defaults);
        issuer = Objects.requireNonNullElse(issuer, DEVICE_ISSUER);
        positiveTtl = Objects.requireNonNullElse(positiveTtl, Duration.ofMinutes(10));
        negativeTtl = Objects.requireNonNullElse(negativeTtl, Duration.ofMinutes(1));
        cacheSize = Objects.requireNonNullElse(cacheSize, 100_000);
        timeout = Objects.requireNonNullElse(timeout, Duration.ofSeconds(10));
        allowedTrustTypes = allowedTrustTypes == null ? List.of() : List.copyOf(allowedTrustTypes);
        requireCompliant = Objects.requireNonNullElse(requireCompliant, false);
        requireManaged = Objects.requireNonNullElse(requireManaged, false);
        whenUnavailable = Objects.requireNonNullElse(whenUnavailable, RevocationConfig.FailMode.FAIL_CLOSED);
    }

    public static EntraConfig defaults() {
        return new EntraConfig(null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * An azure-identity credential.
     *
     * @param type {@code default} (DefaultAzureCredential: managed identity, workload identity,
     *     environment service principal), {@code managedIdentity}, {@code clientSecret} or {@code clientCertificate}
     * @param tenantId the tenant, for client secret and certificate
     * @param clientId the application (client) id; for a user-assigned managed identity, its client id
     * @param clientSecret the secret, for {@code clientSecret}
     * @param certificate PEM file with the certificate and key, for {@code clientCertificate}
     * @param authorityHost the login endpoint (sovereign clouds, tests)
     */
    public record CredentialConfig(String type, String tenantId, String clientId, Secret clientSecret, Path certificate,
            URI authorityHost) {
        public CredentialConfig {
            type = Objects.requireNonNullElse(type, "default");
        }

        public static CredentialConfig defaults() {
            return new CredentialConfig(null, null, null, null, null, null);
        }
    }
}
