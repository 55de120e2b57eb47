package io.mtlsproxy.backends;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.util.BinaryData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The codes of a Key Vault error answer, {@code {"error":{"code","message","innererror":{"code"}}}}.
 * Only the codes are kept: they are stable identifiers safe to log, while the message is free
 * text the gateway has no reason to repeat.
 *
 * @param code e.g. {@code Forbidden}, {@code SecretNotFound}, {@code Throttled}; null when the
 *     answer was not a Key Vault error (a proxy's page, an empty body)
 * @param innerCode e.g. {@code SecretDisabled}, {@code AccessDenied}, {@code ForbiddenByRbac}; or null
 */
record KeyVaultError(String code, String innerCode) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A code is an identifier; anything else is not repeated into a log line. */
    private static final Pattern CODE = Pattern.compile("[A-Za-z][A-Za-z0-9_.]{0,63}");
    /** azure-core's message for an error answer: {@code Status code 403, "<body>"}. */
    private static final Pattern MESSAGE_BODY = Pattern.compile("^Status code \\d+, \"?(\\{.*})\"?$", Pattern.DOTALL);

    static KeyVaultError of(HttpResponseException e) {
        JsonNode error = body(e).path("error");
        return new KeyVaultError(code(error.path("code")), code(error.path("innererror").path("code")));
    }

    /** True when the code or the inner code is one of {@code codes}. */
    boolean is(String... codes) {
        for (String c : codes) {
            if (c.equalsIgnoreCase(code) || c.equalsIgnoreCase(innerCode)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        if (code == null) {
            return "(not a Key Vault error)";
        }
        return innerCode == null ? code : code + "/" + innerCode;
    }

    /** The error body, wherever this azure-core version put it; an empty node when unreadable. */
    private static JsonNode body(HttpResponseException e) {
        Object value = e.getValue();
        try {
            if (value instanceof Map<?, ?> map) {
                return JSON.valueToTree(map);
            }
            if (value instanceof BinaryData data) {
                return JSON.readTree(data.toBytes());
            }
            if (value instanceof byte[] bytes) {
                return JSON.readTree(bytes);
            }
            if (value instanceof String text) {
                return JSON.readTree(text.getBytes(StandardCharsets.UTF_8));
            }
            Matcher inMessage = e.getMessage() == null ? null : MESSAGE_BODY.matcher(e.getMessage().strip());
            if (inMessage != null && inMessage.matches()) {
                return JSON.readTree(inMessage.group(1));
            }
        } catch (IOException | IllegalArgumentException unreadable) {
            // not JSON: not a Key Vault error answer
        }
        return JSON.missingNode();
    }

    private static String code(JsonNode node) {
        return node.isTextual() && CODE.matcher(node.asText()).matches() ? node.asText() : null;
    }
}
