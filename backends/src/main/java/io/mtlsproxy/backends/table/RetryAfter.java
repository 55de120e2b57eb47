package io.mtlsproxy.backends.table;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** The store's "wait this long" on a 429 or 503: {@code x-ms-retry-after-ms}, {@code retry-after-ms} or {@code Retry-After}. */
final class RetryAfter {
    private static final HttpHeaderName X_MS_RETRY_AFTER_MS = HttpHeaderName.fromString("x-ms-retry-after-ms");
    private static final HttpHeaderName RETRY_AFTER_MS = HttpHeaderName.fromString("retry-after-ms");
    /** A store asking for more is misbehaving; clients still come back within this. */
    private static final Duration MAX = Duration.ofHours(1);

    private RetryAfter() {}

    /** Null when the store gave no usable hint. */
    static Duration of(HttpHeaders headers) {
        Duration millis = millis(headers.getValue(X_MS_RETRY_AFTER_MS));
        if (millis == null) {
            millis = millis(headers.getValue(RETRY_AFTER_MS));
        }
        if (millis != null) {
            return bounded(millis);
        }
        String retryAfter = headers.getValue(HttpHeaderName.RETRY_AFTER);
        if (retryAfter == null || retryAfter.isBlank()) {
            return null;
        }
        try {
            return bounded(Duration.ofSeconds(Long.parseLong(retryAfter.trim())));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(retryAfter.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                return bounded(Duration.between(ZonedDateTime.now(at.getZone()), at));
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    private static Duration millis(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofMillis(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Duration bounded(Duration wait) {
        if (wait.isNegative()) {
            return Duration.ZERO;
        }
        return wait.compareTo(MAX) > 0 ? MAX : wait;
    }
}
