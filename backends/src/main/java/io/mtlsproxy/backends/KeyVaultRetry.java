package io.mtlsproxy.backends;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.RequestRetryCondition;
import com.azure.core.http.policy.RetryStrategy;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;

/**
 * The Azure SDK's retries for one Key Vault read, kept inside the backend's timeout. The SDK's
 * default (3 retries, exponential back-off up to a minute, any Retry-After honoured) can sit on a
 * throttled call for minutes while devices wait and the cache's single flight holds everyone.
 * Here: at most {@link #MAX_RETRIES} retries of a transient failure (a dropped connection, 408,
 * 429, 500, 502, 503, 504), short back-off, and a Retry-After is honoured only when it is at
 * most a quarter of the timeout; a longer one ends the call at once, and the backend hands the
 * vault's Retry-After to the client instead.
 */
final class KeyVaultRetry implements RetryStrategy {
    static final int MAX_RETRIES = 2;
    private static final Duration BASE_DELAY = Duration.ofMillis(100);
    private static final Set<Integer> TRANSIENT = Set.of(408, 429, 500, 502, 503, 504);
    private static final HttpHeaderName RETRY_AFTER_MS = HttpHeaderName.fromString("retry-after-ms");
    private static final HttpHeaderName X_MS_RETRY_AFTER_MS = HttpHeaderName.fromString("x-ms-retry-after-ms");

    private final Duration longestWait;
    private final Clock clock;

    /** @param timeout the backend's timeout for one read, retries included */
    KeyVaultRetry(Duration timeout, Clock clock) {
        this.longestWait = timeout.dividedBy(4);
        this.clock = clock;
    }

    @Override
    public int getMaxRetries() {
        return MAX_RETRIES;
    }

    @Override
    public Duration calculateRetryDelay(int retryAttempts) {
        Duration delay = BASE_DELAY.multipliedBy(1L << Math.min(retryAttempts, 4));
        return delay.compareTo(longestWait) > 0 ? longestWait : delay;
    }

    @Override
    public boolean shouldRetryCondition(RequestRetryCondition condition) {
        HttpResponse response = condition.getResponse();
        if (response != null) {
            return TRANSIENT.contains(response.getStatusCode())
                    && retryAfter(response.getHeaders(), clock).map(wait -> wait.compareTo(longestWait) <= 0).orElse(true);
        }
        // a connection refused, reset or timed out; anything else (a credential failure, a bug) will not get better
        return condition.getThrowable() instanceof IOException;
    }

    /**
     * The wait a response asks for: Key Vault's {@code retry-after-ms} / {@code x-ms-retry-after-ms},
     * or the standard {@code Retry-After} in seconds or as an HTTP date. Empty when absent or unreadable.
     */
    static Optional<Duration> retryAfter(HttpHeaders headers, Clock clock) {
        for (HttpHeaderName name : new HttpHeaderName[] {RETRY_AFTER_MS, X_MS_RETRY_AFTER_MS}) {
            String millis = headers.getValue(name);
            if (millis != null) {
                try {
                    return Optional.of(Duration.ofMillis(Math.max(0, Long.parseLong(millis.trim()))));
                } catch (NumberFormatException e) {
                    // fall through to the next header
                }
            }
        }
        String value = headers.getValue(HttpHeaderName.RETRY_AFTER);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim()))));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration wait = Duration.between(clock.instant(), at.toInstant());
                return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
            } catch (DateTimeParseException unreadable) {
                return Optional.empty();
            }
        }
    }
}
