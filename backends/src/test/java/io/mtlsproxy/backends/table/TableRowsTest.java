package io.mtlsproxy.backends.table;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.data.tables.models.TableEntity;
import io.mtlsproxy.backends.SecretValue;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A row's properties as JSON-ready fields, its ETag as a version, the store's Retry-After. */
class TableRowsTest {
    private final TableRows rows = new TableRows("devices", "table", "Value");

    @Test
    void etagTimestampBecomesACompactVersion() {
        assertThat(TableRows.version("W/\"datetime'2026-12-02T02%3A04%3A08.1234567Z'\"", "v"))
                .isEqualTo("20261202T020408.1234567Z");
    }

    @Test
    void etagOfAnotherShapeIsHashed() {
        assertThat(TableRows.version("\"0x8DC1\"", "v")).matches("[0-9a-f]{16}")
                .isEqualTo(TableRows.version("\"0x8DC1\"", "other value"));
        assertThat(TableRows.version(null, "v")).isEqualTo(SecretValue.derivedVersion("v"));
    }

    @Test
    void everyEdmTypeBecomesJson() {
        UUID id = UUID.fromString("3b241101-e2bb-4255-8caf-4136c566a962");
        TableEntity row = new TableEntity("secret", "kiosk").setProperties(new java.util.HashMap<>(Map.of(
                "Value", "psk", "Binary", new byte[] {1, 2, 3}, "Id", id, "Ratio", 0.5, "Weird", Double.NaN,
                "Count", 5_000_000_000L)));

        SecretValue secret = rows.toSecret("kiosk", row);

        assertThat(secret.fields()).containsOnly(
                Map.entry("Value", "psk"),
                Map.entry("Binary", "AQID"),
                Map.entry("Id", id.toString()),
                Map.entry("Ratio", 0.5),
                Map.entry("Weird", "NaN"),
                Map.entry("Count", 5_000_000_000L));
        assertThat(secret.toString()).doesNotContain("psk").contains("fields=6");
    }

    @Test
    void retryAfterInSecondsMillisecondsOrAsADate() {
        assertThat(RetryAfter.of(headers("Retry-After", "7"))).isEqualTo(Duration.ofSeconds(7));
        assertThat(RetryAfter.of(headers("x-ms-retry-after-ms", "1500", "Retry-After", "9")))
                .isEqualTo(Duration.ofMillis(1500));
        assertThat(RetryAfter.of(headers("retry-after-ms", "250"))).isEqualTo(Duration.ofMillis(250));
        String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(61));
        assertThat(RetryAfter.of(headers("Retry-After", inAMinute))).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(61));
        assertThat(RetryAfter.of(headers("Retry-After", "99999999"))).isEqualTo(Duration.ofHours(1));
        assertThat(RetryAfter.of(headers("Retry-After", "soon"))).isNull();
        assertThat(RetryAfter.of(new HttpHeaders())).isNull();
    }

    private static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders headers = new HttpHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.set(HttpHeaderName.fromString(namesAndValues[i]), namesAndValues[i + 1]);
        }
        return headers;
    }
}
