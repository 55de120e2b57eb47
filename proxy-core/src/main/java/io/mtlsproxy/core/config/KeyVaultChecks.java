package io.mtlsproxy.core.config;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The load-time checks of a {@code keyvault} backend, shared by the YAML validation and the
 * origin's {@code KEYVAULT_URI} / {@code KEYVAULT_NAME}. Each problem names its setting.
 */
final class KeyVaultChecks {
    /**
     * Azure's rule for vault names: 3-24 characters, letters, digits and '-', starting with a
     * letter, ending with a letter or digit, no two hyphens in a row. Anything else cannot be a
     * vault, and would otherwise be pasted into a host name.
     */
    private static final Pattern VAULT_NAME = Pattern.compile("[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]");
    static final String VAULT_NAME_RULE = "3-24 letters, digits and '-', starting with a letter, ending with a letter "
            + "or digit, no '--'";

    /** The credential types a Key Vault backend can sign in with. */
    static final List<String> CREDENTIAL_TYPES =
            List.of("default", "managedIdentity", "workloadIdentity", "clientSecret", "clientCertificate");

    private KeyVaultChecks() {}

    static void check(String at, BackendConfig.KeyVault vault, List<String> problems) {
        if (vault.vaultUri() != null && vault.vaultName() != null) {
            problems.add(at + ".vaultUri: set either vaultUri or vaultName, not both");
        } else if (vault.vaultUri() == null && vault.vaultName() == null) {
            problems.add(at + ".vaultUri: a keyvault backend needs vaultUri (https://<vault>.vault.azure.net) or vaultName");
        } else if (vault.vaultName() != null) {
            vaultNameProblem(vault.vaultName()).ifPresent(p -> problems.add(at + ".vaultName: " + p));
        } else {
            vaultUriProblem(vault.vaultUri()).ifPresent(p -> problems.add(at + ".vaultUri: " + p));
        }
        credential(at + ".credential", vault.credential(), problems);
        if (vault.apiVersion() != null && vault.apiVersion().isBlank()) {
            problems.add(at + ".apiVersion: empty; leave it out for the client library's newest");
        }
    }

    /** Empty when {@code name} can be a vault's name, otherwise why not. */
    static Optional<String> vaultNameProblem(String name) {
        if (VAULT_NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        return Optional.of("'" + printable(name) + "' is not a Key Vault name (" + VAULT_NAME_RULE + ")");
    }

    /**
     * Empty when {@code uri} is a vault's base URL: https, a host, nothing else. A path, query or
     * user part would be silently dropped or mangled by the client; refusing it shows the typo.
     */
    static Optional<String> vaultUriProblem(URI uri) {
        if (!"https".equalsIgnoreCase(uri.getScheme())) {
            return Optional.of("'" + printable(uri.toString()) + "' must be an https URL, e.g. https://contoso.vault.azure.net");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null) {
            return Optional.of("'" + printable(uri.toString()) + "' has no host name (expected https://<vault>.vault.azure.net)");
        }
        String path = uri.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/")) || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            return Optional.of("'" + printable(uri.toString()) + "' must be the vault's base URL, without path or query "
                    + "(e.g. https://contoso.vault.azure.net)");
        }
        return Optional.empty();
    }

    /** Settings that do not apply to the chosen type are refused, not ignored: they show a mix-up. */
    private static void credential(String at, EntraConfig.CredentialConfig c, List<String> problems) {
        String type = CREDENTIAL_TYPES.stream().filter(t -> t.equalsIgnoreCase(c.type().trim())).findFirst().orElse(null);
        if (type == null) {
            problems.add(at + ".type: unknown '" + printable(c.type()) + "' (expected " + String.join(", ", CREDENTIAL_TYPES)
                    + ")");
            return;
        }
        switch (type.toLowerCase(Locale.ROOT)) {
            case "default" -> {
                notFor(at, type, "clientSecret", c.clientSecret() != null, problems);
                notFor(at, type, "certificate", c.certificate() != null, problems);
            }
            case "managedidentity" -> {
                notFor(at, type, "tenantId", c.tenantId() != null, problems);
                notFor(at, type, "clientSecret", c.clientSecret() != null, problems);
                notFor(at, type, "certificate", c.certificate() != null, problems);
                notFor(at, type, "authorityHost", c.authorityHost() != null, problems);
            }
            case "workloadidentity" -> {
                // tenantId and clientId fall back to AZURE_TENANT_ID / AZURE_CLIENT_ID, which the
                // workload identity webhook sets together with AZURE_FEDERATED_TOKEN_FILE
                notFor(at, type, "clientSecret", c.clientSecret() != null, problems);
                notFor(at, type, "certificate", c.certificate() != null, problems);
            }
            case "clientsecret" -> {
                required(at, type, "tenantId", c.tenantId(), problems);
                required(at, type, "clientId", c.clientId(), problems);
                required(at, type, "clientSecret", c.clientSecret() == null ? null : c.clientSecret().reveal(), problems);
                notFor(at, type, "certificate", c.certificate() != null, problems);
            }
            default -> { // clientCertificate
                required(at, type, "tenantId", c.tenantId(), problems);
                required(at, type, "clientId", c.clientId(), problems);
                notFor(at, type, "clientSecret", c.clientSecret() != null, problems);
                if (c.certificate() == null) {
                    problems.add(at + ".certificate: required for type " + type);
                }
            }
        }
        URI authority = c.authorityHost();
        if (authority != null && (!"https".equalsIgnoreCase(authority.getScheme()) || authority.getHost() == null)) {
            problems.add(at + ".authorityHost: must be an https URL, e.g. https://login.microsoftonline.com");
        }
    }

    private static void required(String at, String type, String setting, String value, List<String> problems) {
        if (value == null || value.isBlank()) {
            problems.add(at + "." + setting + ": required for type " + type);
        }
    }

    private static void notFor(String at, String type, String setting, boolean present, List<String> problems) {
        if (present) {
            problems.add(at + "." + setting + ": not used by type " + type + "; remove it");
        }
    }

    /** Config values are echoed to the operator's terminal: keep control characters out. */
    private static String printable(String text) {
        return text.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
}
