package io.mtlsproxy.core.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtlsproxy.core.identity.Thumbprints;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The settings of the Azure Function this gateway replaces (see ORIGIN.md), read from the
 * environment when no YAML file is given:
 *
 * <ul>
 *   <li>{@code AUTH_METHODS}: ';'-separated, case-insensitive, all must pass. CertChainValidation
 *       validates to {@code tls.trustAnchors} (set with {@code MTLSPROXY_TLS__TRUSTANCHORS});
 *       TrustedThumbprints checks {@code ALLOWED_CLIENT_CERTS}; EntraDeviceCert becomes the named
 *       policy {@code origin} with the {@code entraDevice} rule (Graph settings under {@code entra},
 *       the managed identity from {@code IDENTITY_ENDPOINT}/{@code IDENTITY_HEADER} as in the origin).
 *   <li>{@code CERT_ROOT_THUMBPRINT}: picks the one anchor out of the trust bundle; without
 *       AUTH_METHODS it implies CertChainValidation, as in the origin.
 *   <li>{@code ALLOWED_CLIENT_CERTS}: ';'-separated SHA-1 thumbprints; without AUTH_METHODS it
 *       implies TrustedThumbprints.
 *   <li>{@code CERT_REVOCATION_MODE}: NoCheck (default); Online checks CRL distribution points and
 *       OCSP; Offline uses CRLs from the distribution points, fetched in the background.
 *   <li>{@code WORKLOAD}: APPSETTINGS (the default) with {@code VAR_<name>} secrets; KEYVAULT with
 *       {@code KEYVAULT_URI} or {@code KEYVAULT_NAME}; TABLE with {@code TABLE_ENDPOINT} (see
 *       {@link OriginTableSettings}); both signed in with the managed identity.
 * </ul>
 *
 * The origin let every authenticated device read every secret; that grant is reproduced as an
 * explicit access rule named {@code origin-any-authenticated} so its clients keep working, and the
 * gateway warns about it at start-up.
 */
final class OriginSettings {
    static final String ORIGIN_GRANT = "origin-any-authenticated";
    static final String ORIGIN_POLICY = "origin";

    private final Map<String, String> env;

    OriginSettings(Map<String, String> env) {
        this.env = env;
    }

    ObjectNode toTree() throws ConfigException {
        List<String> problems = new ArrayList<>();
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode root = json.objectNode();

        Set<String> methods = authMethods(problems);
        ObjectNode policy = root.putObject("policy");
        policy.put("chainValidation", methods.contains("certchainvalidation"));
        if (methods.contains("trustedthumbprints")) {
            ArrayNode thumbprints = policy.putArray("allowedThumbprints");
            for (String thumbprint : split(env.get("ALLOWED_CLIENT_CERTS"))) {
                if (Thumbprints.normalize(thumbprint).isEmpty()) {
                    problems.add("ALLOWED_CLIENT_CERTS: '" + thumbprint
                            + "' is not a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint");
                }
                thumbprints.add(thumbprint);
            }
            if (thumbprints.isEmpty()) {
                problems.add("ALLOWED_CLIENT_CERTS: TrustedThumbprints is configured but no thumbprint is listed");
            }
        }
        String root_ = trimmed("CERT_ROOT_THUMBPRINT");
        if (root_ != null) {
            if (!methods.contains("certchainvalidation")) {
                problems.add("CERT_ROOT_THUMBPRINT: set, but AUTH_METHODS does not list CertChainValidation, so it would "
                        + "have no effect; remove it or add CertChainValidation");
            } else if (Thumbprints.normalize(root_).isEmpty()) {
                problems.add("CERT_ROOT_THUMBPRINT: '" + root_ + "' is not a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint");
            }
            policy.put("trustedRootThumbprint", root_);
        }
        if (methods.contains("entradevicecert")) {
            // an all-of with the methods above: Graph confirms the device after the handshake
            root.putObject("policies").putObject(ORIGIN_POLICY).putArray("allOf").addObject()
                    .putObject(GatewayConfig.ENTRA_RULE);
            root.putObject("listener").put("policy", ORIGIN_POLICY);
        }
        String revocation = trimmed("CERT_REVOCATION_MODE");
        if (revocation != null && !revocation.equalsIgnoreCase("NoCheck")) {
            ObjectNode revocationNode = root.putObject("revocation");
            if (revocation.equalsIgnoreCase("Online")) {
                // Windows' online check: the certificates' CRL distribution points and OCSP responders
                revocationNode.put("crlDistributionPoints", true);
                revocationNode.putObject("ocsp").put("enabled", true);
            } else if (revocation.equalsIgnoreCase("Offline")) {
                // Windows' offline check uses cached CRLs only: here the distribution points are fetched in
                // the background and never on a device's request
                revocationNode.put("crlDistributionPoints", true);
            } else {
                problems.add("CERT_REVOCATION_MODE: '" + revocation + "' is not one of NoCheck, Online, Offline");
            }
        }

        String workload = trimmed("WORKLOAD");
        ObjectNode secrets = root.putObject("secrets");
        ObjectNode backend = secrets.putArray("backends").addObject();
        if (workload != null && workload.equalsIgnoreCase("KEYVAULT")) {
            keyVault(backend, problems);
        } else if (workload != null && workload.equalsIgnoreCase("TABLE")) {
            OriginTableSettings.configure(env, backend, problems);
        } else {
            if (workload != null && !workload.equalsIgnoreCase("APPSETTINGS")) {
                problems.add("WORKLOAD: '" + workload + "' is not one of APPSETTINGS, KEYVAULT, TABLE");
            }
            backend.put("type", "appsettings");
            backend.put("name", "appsettings");
            backend.put("envPrefix", "VAR_");
        }

        ObjectNode rule = root.putObject("access").putArray("rules").addObject();
        rule.put("name", ORIGIN_GRANT);
        rule.putObject("match").put("anyAuthenticated", true);
        rule.putArray("secrets").add("*");

        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return root;
    }

    /**
     * WORKLOAD=KEYVAULT: the vault from KEYVAULT_URI or KEYVAULT_NAME, reached with the managed
     * identity (IDENTITY_ENDPOINT / IDENTITY_HEADER on App Service) as the origin did. Unlike the
     * origin, the name is checked against Azure's rule before it becomes part of a host name.
     */
    private void keyVault(ObjectNode backend, List<String> problems) {
        String uri = trimmed("KEYVAULT_URI");
        String name = trimmed("KEYVAULT_NAME");
        backend.put("type", "keyvault");
        backend.put("name", "keyvault");
        backend.putObject("credential").put("type", "managedIdentity");
        if (uri == null && name == null) {
            problems.add("KEYVAULT_URI: WORKLOAD=KEYVAULT needs KEYVAULT_URI (https://<vault>.vault.azure.net) or KEYVAULT_NAME");
            return;
        }
        URI fromName = null;
        if (name != null) {
            var problem = KeyVaultChecks.vaultNameProblem(name);
            if (problem.isPresent()) {
                problems.add("KEYVAULT_NAME: " + problem.get());
                return;
            }
            fromName = URI.create("https://" + name + BackendConfig.KeyVault.PUBLIC_CLOUD_VAULT_DOMAIN);
        }
        if (uri == null) {
            backend.put("vaultName", name);
            return;
        }
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            problems.add("KEYVAULT_URI: '" + uri + "' is not a URL (" + e.getReason() + ")");
            return;
        }
        var problem = KeyVaultChecks.vaultUriProblem(parsed);
        if (problem.isPresent()) {
            problems.add("KEYVAULT_URI: " + problem.get());
        } else if (fromName != null && !sameVault(parsed, fromName)) {
            // the origin took one of them silently; two different vaults is a mistake worth stopping for
            problems.add("KEYVAULT_URI: '" + uri + "' and KEYVAULT_NAME '" + name + "' name different vaults; set one");
        } else {
            backend.put("vaultUri", uri);
        }
    }

    private static boolean sameVault(URI a, URI b) {
        return a.getHost().equalsIgnoreCase(b.getHost()) && (a.getPort() == -1 || a.getPort() == 443);
    }

    private Set<String> authMethods(List<String> problems) {
        Set<String> methods = new LinkedHashSet<>();
        List<String> listed = split(env.get("AUTH_METHODS"));
        for (String method : listed) {
            String key = method.toLowerCase(Locale.ROOT);
            switch (key) {
                case "entradevicecert", "certchainvalidation", "trustedthumbprints" -> methods.add(key);
                default -> problems.add("AUTH_METHODS: unknown method '" + method
                        + "' (known: EntraDeviceCert, CertChainValidation, TrustedThumbprints)");
            }
        }
        if (listed.isEmpty()) {
            // the origin's legacy settings imply their methods
            if (trimmed("CERT_ROOT_THUMBPRINT") != null) {
                methods.add("certchainvalidation");
            }
            if (trimmed("ALLOWED_CLIENT_CERTS") != null) {
                methods.add("trustedthumbprints");
            }
        }
        if (methods.isEmpty() && problems.isEmpty()) {
            problems.add("AUTH_METHODS: no authentication method configured (the origin answered 500 here; "
                    + "set AUTH_METHODS, CERT_ROOT_THUMBPRINT or ALLOWED_CLIENT_CERTS, or use a YAML file)");
        }
        return methods;
    }

    private String trimmed(String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static List<String> split(String value) {
        List<String> items = new ArrayList<>();
        if (value != null) {
            for (String item : value.split("[;,]")) {
                if (!item.isBlank()) {
                    items.add(item.trim());
                }
            }
        }
        return items;
    }
}
