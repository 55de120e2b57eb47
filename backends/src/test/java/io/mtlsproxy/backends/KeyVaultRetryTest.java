package io.mtlsproxy.backends;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** How long the vault asked to wait, and how long one read may wait for it. */
class KeyVaultRetryTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-02T10:00:00Z"), ZoneOffset.UTC);

    private static HttpHeaders headers(String name, String value) {
        return new HttpHeaders().set(name, value);
    }

    @Test
    void retryAfterInSecondsMillisecondsOrAsADate() {
        assertThat(KeyVaultRetry.retryAfter(headers("Retry-After", "7"), CLOCK)).hasValue(Duration.ofSeconds(7));
        assertThat(KeyVaultRetry.retryAfter(headers("retry-after-ms", "250"), CLOCK)).hasValue(Duration.ofMillis(250));
        assertThat(KeyVaultRetry.retryAfter(headers("x-ms-retry-after-ms", "1500"), CLOCK)).hasValue(Duration.ofMillis(1500));
        assertThat(KeyVaultRetry.retryAfter(headers("Retry-After", "Mon, 02 Nov 2026 10:00:30 GMT"), CLOCK))
                .hasValue(Duration.ofSeconds(30));
        assertThat(KeyVaultRetry.retryAfter(headers("Retry-After", "Mon, 02 Nov 2026 09:00:00 GMT"), CLOCK))
                .hasValue(Duration.ZERO);
    }

    @Test
    void unreadableOrMissingRetryAfterIsEmpty() {
        assertThat(KeyVaultRetry.retryAfter(new HttpHeaders(), CLOCK)).isEmpty();
        assertThat(KeyVaultRetry.retryAfter(headers("Retry-After", "soon"), CLOCK)).isEmpty();
        assertThat(KeyVaultRetry.retryAfter(headers("Retry-After", "-5"), CLOCK)).hasValue(Duration.ZERO);
    }

    @Test
    void backOffStaysWithinAQuarterOfTheTimeout() {
        KeyVaultRetry retry = new KeyVaultRetry(Duration.ofSeconds(2), CLOCK);

        assertThat(retry.getMaxRetries()).isEqualTo(2);
        assertThat(retry.calculateRetryDelay(0)).isEqualTo(Duration.ofMillis(100));
        assertThat(retry.calculateRetryDelay(1)).isEqualTo(Duration.ofMillis(200));
        assertThat(retry.calculateRetryDelay(10)).isEqualTo(Duration.ofMillis(500));
    }
}
