package io.mtlsproxy.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;

/**
 * The origin's {@code WORKLOAD=TABLE}: {@code TABLE_ENDPOINT} ({@code https://<account>.table.core.windows.net/<Table>}),
 * read with the managed identity of {@code IDENTITY_ENDPOINT}/{@code IDENTITY_HEADER} as the
 * origin did; the row is PartitionKey {@code secret}, RowKey {@code <name>}.
 *
 * <p>Added here, not in the origin: {@code TABLE_CONNECTION_STRING} (account key or SAS) with
 * {@code TABLE_NAME}, instead of TABLE_ENDPOINT, for a gateway that runs outside Azure. The
 * connection string stays a reference to the variable, so its text is never copied into the tree.
 */
final class OriginTableSettings {
    static final String BACKEND_NAME = "table";

    private OriginTableSettings() {}

    static void configure(Map<String, String> env, ObjectNode backend, List<String> problems) {
        backend.put("type", "table");
        backend.put("name", BACKEND_NAME);
        String endpoint = trimmed(env, "TABLE_ENDPOINT");
        String connectionString = trimmed(env, "TABLE_CONNECTION_STRING");
        String table = trimmed(env, "TABLE_NAME");
        if (endpoint != null && connectionString != null) {
            problems.add("TABLE_CONNECTION_STRING: set either TABLE_ENDPOINT (managed identity) or TABLE_CONNECTION_STRING,"
                    + " not both");
            return;
        }
        if (connectionString != null) {
            backend.put("connectionString", "${TABLE_CONNECTION_STRING}");
            if (table == null) {
                problems.add("TABLE_NAME: required with TABLE_CONNECTION_STRING (the table that holds the secrets)");
            } else {
                backend.put("table", table);
            }
            return;
        }
        if (endpoint == null) {
            problems.add("TABLE_ENDPOINT: required with WORKLOAD=TABLE (https://<account>.table.core.windows.net/<Table>)");
            return;
        }
        try {
            URI uri = new URI(endpoint);
            if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                problems.add("TABLE_ENDPOINT: '" + endpoint + "' is not an https URL"
                        + " (https://<account>.table.core.windows.net/<Table>)");
                return;
            }
        } catch (URISyntaxException e) {
            problems.add("TABLE_ENDPOINT: '" + endpoint + "' is not a URL (" + e.getReason() + ")");
            return;
        }
        backend.put("endpoint", endpoint);
        if (table != null) {
            backend.put("table", table);
        }
        // the origin signed in with the App Service managed identity, never with a key
        backend.putObject("credential").put("type", "managedIdentity");
    }

    private static String trimmed(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }
}
