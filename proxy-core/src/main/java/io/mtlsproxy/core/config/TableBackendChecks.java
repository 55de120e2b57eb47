package io.mtlsproxy.core.config;

import io.mtlsproxy.core.secret.SecretNames;
import io.mtlsproxy.core.secret.TableKeys;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Load-time checks of a {@code type: table} backend; each problem names its setting. A
 * connection string is never quoted in a message: it holds the account key or a SAS.
 */
final class TableBackendChecks {
    private static final Set<String> CREDENTIAL_TYPES =
            Set.of("default", "managedidentity", "workloadidentity", "clientsecret", "clientcertificate");

    private TableBackendChecks() {}

    static void check(String at, BackendConfig.Table table, List<String> problems) {
        boolean endpoint = table.endpoint() != null;
        boolean connectionString = table.connectionString() != null;
        if (endpoint && connectionString) {
            problems.add(at + ".connectionString: set either endpoint (with credential) or connectionString, not both");
        } else if (!endpoint && !connectionString) {
            problems.add(at + ".endpoint: required (https://<account>.table.core.windows.net/<Table>), or set connectionString");
        }
        int before = problems.size();
        String tableInEndpoint = endpoint ? endpoint(at, table.endpoint(), problems) : null;
        boolean usableEndpoint = endpoint && problems.size() == before;
        if (table.table() != null && !TableKeys.isTableName(table.table())) {
            problems.add(at + ".table: '" + table.table() + "' is not a table name (a letter, then letters or digits,"
                    + " 3 to 63 characters)");
        }
        if (tableInEndpoint != null && table.table() != null && !tableInEndpoint.equals(table.table())) {
            problems.add(at + ".table: '" + table.table() + "' contradicts the table in endpoint ('" + tableInEndpoint
                    + "'); set it in one place");
        }
        if (tableInEndpoint == null && table.table() == null && (usableEndpoint || connectionString)) {
            problems.add(at + ".table: required: the table name, unless the endpoint's path carries it");
        }
        if (connectionString) {
            connectionString(at, table.connectionString().reveal(), problems);
            if (table.credential() != null) {
                problems.add(at + ".credential: not used with connectionString (it carries the key or SAS); remove it");
            }
        }
        if (table.credential() != null) {
            credential(at + ".credential", table.credential(), problems);
        }
        TableKeys.keyProblem(table.partitionKey())
                .ifPresent(problem -> problems.add(at + ".partitionKey: " + problem));
        rowKey(at, table.rowKey(), problems);
        if (!TableKeys.isPropertyName(table.valueProperty())) {
            problems.add(at + ".valueProperty: '" + table.valueProperty() + "' is not a property name (letters, digits"
                    + " and '_', not PartitionKey, RowKey or Timestamp)");
        }
    }

    /** The table named by the endpoint's path, or null when the path is empty. */
    private static String endpoint(String at, URI uri, List<String> problems) {
        String setting = at + ".endpoint";
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            problems.add(setting + ": must be an https URL, e.g. https://<account>.table.core.windows.net/<Table>"
                    + " (credentials are only sent over TLS)");
            return null;
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            // a SAS in the URL would be printed wherever the config is; a connection string keeps it secret
            problems.add(setting + ": must not carry user info, a query or a fragment (for a SAS use connectionString)");
            return null;
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        String[] segments = path.replaceAll("^/+|/+$", "").split("/");
        if (segments.length == 1 && segments[0].isEmpty()) {
            return null;
        }
        // Azurite and other emulators put the account first: http(s)://host:port/<account>/<Table>
        boolean accountFirst = segments.length == 2 && isEmulatorHost(uri);
        String last = segments[segments.length - 1];
        if ((segments.length != 1 && !accountFirst) || !TableKeys.isTableName(last)) {
            problems.add(setting + ": the path must be the table name, e.g. /Secrets (found '" + path + "')");
            return null;
        }
        return last;
    }

    /** Only an emulator on this machine is addressed as host/account/table. */
    private static boolean isEmulatorHost(URI uri) {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]");
    }

    private static void connectionString(String at, String value, List<String> problems) {
        Set<String> keys = new HashSet<>();
        for (String part : value.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                keys.add(part.substring(0, eq).trim().toLowerCase(Locale.ROOT));
            }
        }
        if (!keys.contains("accountkey") && !keys.contains("sharedaccesssignature")) {
            problems.add(at + ".connectionString: has neither AccountKey nor SharedAccessSignature (value not shown)");
        }
        if (!keys.contains("tableendpoint") && !keys.contains("accountname")) {
            problems.add(at + ".connectionString: has neither TableEndpoint nor AccountName (value not shown)");
        }
    }

    private static void rowKey(String at, String template, List<String> problems) {
        String placeholder = BackendConfig.Table.NAME_PLACEHOLDER;
        int first = template.indexOf(placeholder);
        if (first < 0 || first != template.lastIndexOf(placeholder)) {
            problems.add(at + ".rowKey: must contain " + placeholder + " exactly once (e.g. {name} or prod-{name})");
            return;
        }
        // a longest valid name stands in for {name}: the literal parts must be valid key characters
        String longest = template.replace(placeholder, "n".repeat(SecretNames.MAX_LENGTH));
        Optional<String> problem = TableKeys.keyProblem(longest);
        problem.ifPresent(p -> problems.add(at + ".rowKey: with a " + SecretNames.MAX_LENGTH
                + "-character name the key " + p));
    }

    private static void credential(String at, EntraConfig.CredentialConfig c, List<String> problems) {
        String type = c.type().trim().toLowerCase(Locale.ROOT);
        if (!CREDENTIAL_TYPES.contains(type)) {
            problems.add(at + ".type: unknown '" + c.type()
                    + "' (expected default, managedIdentity, workloadIdentity, clientSecret or clientCertificate)");
            return;
        }
        boolean needsTenantAndClient = type.equals("clientsecret") || type.equals("clientcertificate");
        if (needsTenantAndClient) {
            required(at, c.type(), "tenantId", c.tenantId(), problems);
            required(at, c.type(), "clientId", c.clientId(), problems);
        }
        if (type.equals("managedidentity") && c.tenantId() != null) {
            problems.add(at + ".tenantId: not used by type managedIdentity; remove it");
        }
        if (type.equals("managedidentity") && c.authorityHost() != null) {
            problems.add(at + ".authorityHost: not used by type managedIdentity; remove it");
        }
        if (type.equals("clientsecret")) {
            required(at, c.type(), "clientSecret", c.clientSecret() == null ? null : c.clientSecret().reveal(), problems);
        } else if (c.clientSecret() != null) {
            problems.add(at + ".clientSecret: not used by type " + c.type() + "; remove it");
        }
        if (type.equals("clientcertificate")) {
            if (c.certificate() == null) {
                problems.add(at + ".certificate: required for type clientCertificate (PEM with the certificate and key)");
            }
        } else if (c.certificate() != null) {
            problems.add(at + ".certificate: not used by type " + c.type() + "; remove it");
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
}
