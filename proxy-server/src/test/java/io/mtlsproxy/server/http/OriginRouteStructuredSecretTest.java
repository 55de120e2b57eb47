package io.mtlsproxy.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.backends.SecretValue;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The origin route's {@code SecretValue} for a structured secret (a Table row): the whole row
 * as a JSON object, as the Azure Function returned it; a plain secret stays a string.
 */
class OriginRouteStructuredSecretTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OriginRoute route = new OriginRoute(Clock.fixed(Instant.parse("2026-12-02T00:00:00Z"), ZoneOffset.UTC),
            "CertChainValidation", true, "table");
    private final RequestContext request = new RequestContext("req-1", "127.0.0.1:5000", "GET",
            "/api/certificatesecretproxy?SecretName=wifi-office&code=KEY", System.nanoTime(), true);

    private static ClientIdentity kiosk() throws Exception {
        return ClientIdentity.of(CertificateBuilder.client("CN=kiosk-7").selfSigned().chain());
    }

    private JsonNode render(SecretValue secret) throws Exception {
        Map<String, Object> body = route.answer(request, kiosk(), null, secret.name(), SecretRead.granted(secret, "kiosks", false));
        FullHttpResponse response = Responses.object(UnpooledByteBufAllocator.DEFAULT, request, 200, body);
        try {
            return JSON.readTree(response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
        }
    }

    @Test
    void tableRowIsReturnedWholeAsAnObject() throws Exception {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("Value", "office-psk");
        row.put("Ssid", "Contoso-Office");
        row.put("Vlan", 42);
        row.put("Hidden", false);
        JsonNode body = render(new SecretValue("wifi-office", "office-psk", "20261202T020408.1Z", "devices", "table", row));

        JsonNode value = body.get("SecretValue");
        assertThat(value.isObject()).isTrue();
        assertThat(value.get("Value").asText()).isEqualTo("office-psk");
        assertThat(value.get("Ssid").asText()).isEqualTo("Contoso-Office");
        assertThat(value.get("Vlan").asInt()).isEqualTo(42);
        assertThat(value.get("Hidden").isBoolean()).isTrue();
        assertThat(value.has("PartitionKey")).isFalse();
        assertThat(body.get("Workload").asText()).isEqualTo("TABLE");
        assertThat(body.get("SecretName").asText()).isEqualTo("wifi-office");
        // the row is the secret: Diagnostics holds none of it
        assertThat(body.get("Diagnostics").toString()).doesNotContain("office-psk").doesNotContain("Contoso-Office");
    }

    @Test
    void plainSecretStaysAString() throws Exception {
        JsonNode body = render(SecretValue.withDerivedVersion("wifi-office", "office-psk", "appsettings", "appsettings"));

        assertThat(body.get("SecretValue").isTextual()).isTrue();
        assertThat(body.get("SecretValue").asText()).isEqualTo("office-psk");
        assertThat(body.get("Workload").asText()).isEqualTo("APPSETTINGS");
    }

    @Test
    void notFoundHintNamesWhereTheSecretLivesInThisKindOfStore() throws Exception {
        SecretRead missing = SecretRead.refused(io.mtlsproxy.core.error.ErrorCode.SECRET_NOT_FOUND, "secret_not_found");

        Map<String, Object> table = route.answer(request, kiosk(), null, "wifi-office", missing);
        Map<String, Object> vault = new OriginRoute(Clock.systemUTC(), "CertChainValidation", true, "keyvault")
                .answer(request, kiosk(), null, "wifi-office", missing);

        assertThat(table.get("Hint")).asString().contains("RowKey is wifi-office").doesNotContain("VAR_");
        assertThat(vault.get("Hint")).asString().contains("a secret named wifi-office in the vault");
    }
}
