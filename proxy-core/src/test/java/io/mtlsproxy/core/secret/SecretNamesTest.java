package io.mtlsproxy.core.secret;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class SecretNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "db-password", "VAR_style", "kiosk.wifi", "1st-secret", "a..b", "Device-4f2a_9.v2"})
    void accepts(String name) {
        assertThat(SecretNames.problem(name)).isEmpty();
        assertThat(SecretNames.isValid(name)).isTrue();
    }

    @Test
    void acceptsTheLongestName() {
        assertThat(SecretNames.isValid("a".repeat(SecretNames.MAX_LENGTH))).isTrue();
        assertThat(SecretNames.MAX_LENGTH).isEqualTo(127);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
        "../a", "..", "a/b", "a\\b", "/etc/passwd", ".a", ".env", "-a", "_a",
        "a b", "a\nb", "a\u0000b", "a\tb", "a\u007fb", "a%2fb", "a:b", "a*",
        "s\u00e9cret", "\u043a\u043b\u044e\u0447", "\uff41", "a\u200eb",
    })
    void refuses(String name) {
        assertThat(SecretNames.problem(name)).isPresent();
        assertThat(SecretNames.isValid(name)).isFalse();
    }

    @Test
    void refusesTooLongNames() {
        assertThat(SecretNames.problem("a".repeat(128))).contains("secret name is longer than 127 characters");
    }

    @Test
    void problemsSaySo() {
        assertThat(SecretNames.problem("")).contains("secret name is empty");
        assertThat(SecretNames.problem("../a")).contains("secret name must start with a letter or digit");
        assertThat(SecretNames.problem("a/b")).contains("secret name may contain only letters, digits, '-', '_' and '.'");
    }
}
