package io.mtlsproxy.backends.table;

import com.azure.data.tables.models.TableEntity;
import io.mtlsproxy.backends.SecretBackendException;
import io.mtlsproxy.backends.SecretValue;
import io.mtlsproxy.core.secret.TableKeys;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Table row as a {@link SecretValue}: the value property as the value, the other properties
 * as fields, the ETag as the version. Messages name the secret and the property, never content.
 */
final class TableRows {
    /** {@code W/"datetime'2026-12-02T02%3A04%3A08.1234567Z'"}, as the service and Azurite write it. */
    private static final Pattern ETAG_TIMESTAMP = Pattern.compile("datetime'([^']+)'");

    private final String backend;
    private final String backendType;
    private final String valueProperty;

    TableRows(String backend, String backendType, String valueProperty) {
        this.backend = backend;
        this.backendType = backendType;
        this.valueProperty = valueProperty;
    }

    SecretValue toSecret(String secretName, TableEntity row) {
        Map<String, Object> properties = row.getProperties();
        Object value = properties.get(valueProperty);
        if (value == null) {
            throw new SecretBackendException("backend '" + backend + "': the row of secret '" + secretName
                    + "' has no property '" + valueProperty + "' (secrets.backends[].valueProperty)");
        }
        if (!(value instanceof String text)) {
            throw new SecretBackendException("backend '" + backend + "': property '" + valueProperty + "' of secret '"
                    + secretName + "' is a " + value.getClass().getSimpleName() + ", not a string");
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        properties.forEach((property, content) -> {
            if (!TableKeys.isSystemProperty(property) && !property.startsWith("odata.") && !property.contains("@odata.")
                    && content != null) {
                fields.put(property, jsonReady(content));
            }
        });
        return new SecretValue(secretName, text, version(row.getETag(), text), backend, backendType, fields);
    }

    /** The row's version from its ETag: the timestamp in it, reduced to letters, digits and '.'. */
    static String version(String etag, String value) {
        if (etag == null || etag.isBlank()) {
            return SecretValue.derivedVersion(value);
        }
        Matcher m = ETAG_TIMESTAMP.matcher(etag);
        if (m.find()) {
            String timestamp = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
            String compact = timestamp.replaceAll("[^A-Za-z0-9.]", "");
            if (!compact.isEmpty()) {
                return compact;
            }
        }
        return SecretValue.derivedVersion(etag);
    }

    /** EDM values as JSON writes them: strings, numbers and booleans; dates ISO-8601, binary base64. */
    private static Object jsonReady(Object content) {
        if (content instanceof String || content instanceof Boolean || content instanceof Integer
                || content instanceof Long) {
            return content;
        }
        if (content instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? d.toString() : d;
        }
        if (content instanceof OffsetDateTime time) {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time);
        }
        if (content instanceof byte[] bytes) {
            return Base64.getEncoder().encodeToString(bytes);
        }
        return content.toString(); // UUID and anything newer
    }
}
