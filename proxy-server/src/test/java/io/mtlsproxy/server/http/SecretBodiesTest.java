package io.mtlsproxy.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.backends.SecretValue;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SecretBodiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SecretBodies bodies = new SecretBodies();

    @Test
    void theBodyIsTheSecretsFourFieldsAsJsonWhateverTheyHold() throws Exception {
        String awkward = "quote \" backslash \\ newline \n tab \t nul \u0000 é ünïcode 🔑 </script>";
        SecretValue secret = new SecretValue("wifi-psk", awkward, "v\"1", "kv-main", "keyvault");

        JsonNode body = JSON.readTree(bodies.of(secret));

        assertThat(body.size()).isEqualTo(4);
        assertThat(body.get("name").asText()).isEqualTo("wifi-psk");
        assertThat(body.get("value").asText()).isEqualTo(awkward);
        assertThat(body.get("version").asText()).isEqualTo("v\"1");
        assertThat(body.get("backend").asText()).isEqualTo("kv-main");
        assertThat(new String(bodies.of(secret), StandardCharsets.UTF_8)).doesNotContain("\n");
    }

    @Test
    void aCachedValueIsEncodedOnceAndANewVersionAfresh() {
        SecretValue first = new SecretValue("api-key", "one", "1", "builtin", "appsettings");
        SecretValue rotated = new SecretValue("api-key", "two", "2", "builtin", "appsettings");

        byte[] encoded = bodies.of(first);

        assertThat(bodies.of(first)).isSameAs(encoded);
        assertThat(new String(bodies.of(rotated), StandardCharsets.UTF_8)).contains("\"value\":\"two\"")
                .contains("\"version\":\"2\"");
    }

    @Test
    void anEqualValueFromAnotherReadIsEncodedByItsOwnContent() {
        // keyed by identity: equal records from two reads never share or confuse entries
        SecretValue one = new SecretValue("api-key", "same", "1", "builtin", "appsettings");
        SecretValue other = new SecretValue("api-key", "same", "1", "builtin", "appsettings");

        assertThat(bodies.of(other)).isEqualTo(bodies.of(one));
    }
}
