package io.mtlsproxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.mtlsproxy.policy.Glob.Mode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GlobTest {
    private static boolean exact(String pattern, String text) {
        return Glob.compile(pattern, Mode.EXACT).matches(text);
    }

    @Test
    void starMatchesAnyRunAndQuestionMarkExactlyOneCharacter() {
        assertThat(exact("app-*", "app-")).isTrue();
        assertThat(exact("app-*", "app-db-password")).isTrue();
        assertThat(exact("*-password", "db-password")).isTrue();
        assertThat(exact("a*b*c", "axxbyybzc")).isTrue();
        assertThat(exact("*a*b", "xaybzb")).isTrue();
        assertThat(exact("kiosk-?", "kiosk-7")).isTrue();
        assertThat(exact("kiosk-?", "kiosk-")).isFalse();
        assertThat(exact("kiosk-?", "kiosk-12")).isFalse();
        assertThat(exact("*", "")).isTrue();
        assertThat(exact("", "")).isTrue();
        assertThat(exact("", "x")).isFalse();
        assertThat(exact("a*b*c", "axxbyy")).isFalse();
    }

    @Test
    void exactIsCaseSensitiveAndIgnoreCaseIsNot() {
        assertThat(exact("App-*", "app-1")).isFalse();
        assertThat(Glob.compile("*.Devices.Contoso.com", Mode.IGNORE_CASE).matches("KIOSK-1.devices.contoso.COM")).isTrue();
    }

    @Test
    void aDistinguishedNameWildcardStaysInsideOneValue() {
        Glob glob = Glob.compile("cn=kiosk-*,o=contoso", Mode.DISTINGUISHED_NAME);

        assertThat(glob.matches("cn=kiosk-1,o=contoso")).isTrue();
        assertThat(glob.matches("cn=kiosk-a\\,b,o=contoso")).as("escaped comma is part of the value").isTrue();
        assertThat(glob.matches("cn=kiosk-1,o=evil,o=contoso")).isFalse();
        assertThat(glob.matches("cn=kiosk-1+ou=x,o=contoso")).isFalse();
        assertThat(Glob.compile("cn=?,o=x", Mode.DISTINGUISHED_NAME).matches("cn=\\+,o=x")).isTrue();
    }

    @Test
    void placeholdersMatchTheirValueLiterally() {
        Glob glob = Glob.secretName("device-{cn}");

        assertThat(glob.matches("device-a", "a", "00", "11")).isTrue();
        assertThat(glob.matches("device-b", "a", "00", "11")).isFalse();
        assertThat(glob.matches("device-ab", "a*", "00", "11")).as("a star in the value is no wildcard").isFalse();
        assertThat(glob.matches("device-a*", "a*", "00", "11")).isTrue();
        assertThat(glob.matches("device-", "", "00", "11")).as("no common name").isFalse();
        assertThat(Glob.secretName("cert-{sha1}-*").matches("cert-00-x", null, "00", "11")).isTrue();
        assertThat(Glob.secretName("{sha256}").matches("11", null, "00", "11")).isTrue();
    }

    @Test
    void rejectsUnknownAndUnclosedPlaceholders() {
        assertThatThrownBy(() -> Glob.secretName("device-{name}")).hasMessageContaining("unknown placeholder {name}");
        assertThatThrownBy(() -> Glob.secretName("device-{cn")).hasMessageContaining("'{' without '}'");
        assertThatThrownBy(() -> Glob.secretName("device-cn}")).hasMessageContaining("'}' without '{'");
    }

    @Test
    void manyStarsAgainstALongTextStayLinear() {
        Glob glob = Glob.compile("*a*a*a*a*a*a*a*a*b", Mode.EXACT);
        String text = "a".repeat(20_000);

        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThat(glob.matches(text)).isFalse());
    }
}
