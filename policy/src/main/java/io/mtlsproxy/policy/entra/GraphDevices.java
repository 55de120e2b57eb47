package io.mtlsproxy.policy.entra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Microsoft Graph's device list, asked for one device id:
 * {@code GET {graphEndpoint}/v1.0/devices?$filter=deviceId eq '{id}'&$select=...}.
 * Every answer other than a readable 200 is a {@link GraphUnavailableException}.
 */
final class GraphDevices {
    static final String SELECT =
            "id,deviceId,displayName,accountEnabled,alternativeSecurityIds,trustType,isCompliant,isManaged";
    /** Graph answers 429 without Retry-After only rarely; then wait this long. */
    static final Duration THROTTLE_RETRY_AFTER = Duration.ofSeconds(10);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String base;
    private final Duration timeout;
    private final Clock clock;

    GraphDevices(HttpClient http, URI graphEndpoint, Duration timeout, Clock clock) {
        this.http = http;
        this.base = stripTrailingSlashes(graphEndpoint.toString());
        this.timeout = timeout;
        this.clock = clock;
    }

    /** The scope of the Graph token: {@code {graphEndpoint}/.default}. */
    static String scope(URI graphEndpoint) {
        return stripTrailingSlashes(graphEndpoint.toString()) + "/.default";
    }

    /** The lookup URL; the device id is a validated GUID, and still encoded like every value. */
    URI lookupUri(String deviceId) {
        return URI.create(base + "/v1.0/devices?$filter=" + encode("deviceId eq '" + deviceId + "'")
                + "&$select=" + encode(SELECT));
    }

    CompletableFuture<GraphAnswer> find(String deviceId, String bearerToken) {
        HttpRequest request = HttpRequest.newBuilder(lookupUri(deviceId))
                .timeout(timeout)
                .header("Authorization", "Bearer " + bearerToken)
                .header("Accept", "application/json")
                .GET()
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .handle((response, error) -> {
                    if (error != null) {
                        throw unreachable(EntraDeviceCheck.unwrap(error));
                    }
                    return answer(deviceId, response);
                });
    }

    private GraphAnswer answer(String deviceId, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        String retryAfterHeader = response.headers().firstValue("Retry-After").orElse(null);
        if (status == 200) {
            try {
                return parse(deviceId, response.body());
            } catch (IOException | RuntimeException e) {
                throw new GraphUnavailableException(GraphUnavailableException.Kind.OUTAGE,
                        "unreadable Graph answer: " + e.getClass().getSimpleName(), EntraDeviceCheck.OUTAGE_RETRY_AFTER, e);
            }
        }
        String error = errorCode(response.body());
        if (status == 429) {
            Duration wait = RetryAfter.parse(retryAfterHeader, clock.instant()).orElse(THROTTLE_RETRY_AFTER);
            throw new GraphUnavailableException(GraphUnavailableException.Kind.THROTTLED,
                    "Graph is throttling (429" + error + "), retry after " + wait.toSeconds() + " s", wait, null);
        }
        Duration wait = RetryAfter.parse(retryAfterHeader, clock.instant()).orElse(EntraDeviceCheck.OUTAGE_RETRY_AFTER);
        String hint = switch (status) {
            case 401 -> " (token refused)";
            case 403 -> " (the gateway's identity needs the Graph application permission Device.Read.All)";
            default -> "";
        };
        GraphUnavailableException.Kind kind = status == 401
                ? GraphUnavailableException.Kind.TOKEN_REFUSED
                : GraphUnavailableException.Kind.OUTAGE;
        throw new GraphUnavailableException(kind, "Graph answered HTTP " + status + error + hint, wait, null);
    }

    private GraphUnavailableException unreachable(Throwable cause) {
        String why;
        if (cause instanceof HttpTimeoutException) {
            why = "no answer from Graph within " + timeout.toMillis() + " ms";
        } else if (cause instanceof ConnectException) {
            why = "cannot connect to Graph (" + cause.getClass().getSimpleName() + ")";
        } else {
            why = "Graph request failed: " + (cause == null ? "unknown" : cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + BearerTokens.firstLine(cause.getMessage())));
        }
        return new GraphUnavailableException(GraphUnavailableException.Kind.OUTAGE, why,
                EntraDeviceCheck.OUTAGE_RETRY_AFTER, cause);
    }

    /** The device whose deviceId is the one asked for, or {@link GraphAnswer#NO_DEVICE}. */
    static GraphAnswer parse(String deviceId, byte[] body) throws IOException {
        JsonNode root = JSON.readTree(body);
        JsonNode value = root == null ? null : root.get("value");
        if (value == null || !value.isArray()) {
            throw new IOException("no 'value' array");
        }
        for (JsonNode node : value) {
            if (deviceId.equalsIgnoreCase(text(node, "deviceId"))) {
                return new GraphAnswer(device(node));
            }
        }
        return GraphAnswer.NO_DEVICE;
    }

    private static GraphDevice device(JsonNode node) {
        List<GraphDevice.AlternativeSecurityId> ids = new ArrayList<>();
        JsonNode list = node.get("alternativeSecurityIds");
        if (list != null && list.isArray()) {
            for (JsonNode id : list) {
                JsonNode type = id.get("type");
                Integer typeValue = type == null || type.isNull() ? null
                        : type.canConvertToInt() ? Integer.valueOf(type.asInt())
                        : type.isTextual() && type.asText().trim().matches("\\d{1,9}") ? Integer.valueOf(type.asText().trim())
                        : null;
                ids.add(new GraphDevice.AlternativeSecurityId(typeValue, text(id, "identityProvider"), text(id, "key")));
            }
        }
        return new GraphDevice(text(node, "id"), text(node, "deviceId"), text(node, "displayName"),
                bool(node, "accountEnabled"), ids, text(node, "trustType"), bool(node, "isCompliant"),
                bool(node, "isManaged"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Boolean bool(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || !value.isBoolean() ? null : value.booleanValue();
    }

    /** {@code ", Authorization_RequestDenied"} from a Graph error body, or empty. */
    private static String errorCode(byte[] body) {
        try {
            JsonNode code = JSON.readTree(body).path("error").path("code");
            return code.isTextual() ? ", " + BearerTokens.firstLine(code.asText()) : "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String stripTrailingSlashes(String uri) {
        String s = uri;
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
