package io.mtlsproxy.policy.entra;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** The HTTP {@code Retry-After} header: delay-seconds or an HTTP-date (RFC 9110 section 10.2.3). */
final class RetryAfter {
    static final Duration MIN = Duration.ofSeconds(1);
    static final Duration MAX = Duration.ofMinutes(10);

    private RetryAfter() {}

    /** The delay the header asks for, clamped to [{@link #MIN}, {@link #MAX}]; empty when absent or unreadable. */
    static Optional<Duration> parse(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        String value = header.trim();
        Duration delay;
        if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            if (value.length() > 9) {
                return Optional.of(MAX);
            }
            delay = Duration.ofSeconds(Long.parseLong(value));
        } else {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                delay = Duration.between(now, at);
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }
        return Optional.of(clamp(delay));
    }

    static Duration clamp(Duration delay) {
        if (delay.compareTo(MIN) < 0) {
            return MIN;
        }
        return delay.compareTo(MAX) > 0 ? MAX : delay;
    }
}
