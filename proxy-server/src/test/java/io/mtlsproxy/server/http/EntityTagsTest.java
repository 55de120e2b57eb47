package io.mtlsproxy.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EntityTagsTest {

    @Test
    void tagIsTheQuotedVersion() {
        assertThat(EntityTags.of("9a0e1f2b3c4d5e6f")).isEqualTo("\"9a0e1f2b3c4d5e6f\"");
    }

    @Test
    void versionThatCannotBeATagIsDigestedAndStillChangesWithTheVersion() {
        String odd = EntityTags.of("W/\"datetime'2026-11-01'\"");
        String other = EntityTags.of("W/\"datetime'2026-11-02'\"");

        assertThat(odd).matches("\"[A-Za-z0-9_-]{22}\"");
        assertThat(other).isNotEqualTo(odd);
        assertThat(EntityTags.of("a b")).doesNotContain(" ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"v1\"", "W/\"v1\"", "\"v0\", \"v1\"", "\"v0\",W/\"v1\"", "*", "  \"v1\"  ", "junk, \"v1\""})
    void matching(String header) {
        assertThat(EntityTags.matches(header, "\"v1\"")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"v2\"", "v1", "W/v1", "\"v1", "\"v11\"", "\"v\"", "", ",", "W/"})
    void notMatching(String header) {
        assertThat(EntityTags.matches(header, "\"v1\"")).isFalse();
    }
}
