package io.mtlsproxy.policy.entra;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    @Test
    void readsDelaySeconds() {
        assertThat(RetryAfter.parse("7", NOW)).hasValue(Duration.ofSeconds(7));
        assertThat(RetryAfter.parse(" 120 ", NOW)).hasValue(Duration.ofSeconds(120));
    }

    @Test
    void readsAnHttpDate() {
        assertThat(RetryAfter.parse("Tue, 01 Jan 2030 00:02:30 GMT", NOW)).hasValue(Duration.ofSeconds(150));
    }

    @Test
    void keepsTheHintBetweenOneSecondAndTenMinutes() {
        assertThat(RetryAfter.parse("0", NOW)).hasValue(Duration.ofSeconds(1));
        assertThat(RetryAfter.parse("Mon, 31 Dec 2029 23:00:00 GMT", NOW)).hasValue(Duration.ofSeconds(1));
        assertThat(RetryAfter.parse("86400", NOW)).hasValue(Duration.ofMinutes(10));
        assertThat(RetryAfter.parse("99999999999999999999", NOW)).hasValue(Duration.ofMinutes(10));
    }

    @Test
    void ignoresWhatItCannotRead() {
        assertThat(RetryAfter.parse(null, NOW)).isEmpty();
        assertThat(RetryAfter.parse("", NOW)).isEmpty();
        assertThat(RetryAfter.parse("soon", NOW)).isEmpty();
        assertThat(RetryAfter.parse("-5", NOW)).isEmpty();
    }
}
