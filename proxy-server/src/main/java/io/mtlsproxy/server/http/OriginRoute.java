package io.mtlsproxy.server.http;

import io.mtlsproxy.backends.SecretValue;
import io.mtlsproxy.core.error.ErrorCode;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.entra.EntraDevice;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Renders answers of {@code /api/certificatesecretproxy} in the JSON shape of the Azure Function
 * this gateway replaces ({@code Message}, {@code Diagnostics}, and {@code SecretName},
 * {@code SecretValue}, {@code CertThumb}, {@code Workload} on success), so its PowerShell clients
 * keep working. Unlike the origin, Diagnostics never echoes the secret value, request headers,
 * the client certificate or the Functions key.
 */
final class OriginRoute {
    private final Clock clock;
    private final String validationMethods;
    private final boolean chainValidated;
    private final String defaultWorkload;

    /**
     * @param validationMethods the origin's method names joined by '+', e.g. {@code CertChainValidation+TrustedThumbprints}
     * @param chainValidated whether the policy validates chains (the origin's ChainValidationStatus)
     * @param defaultWorkload the default backend's type, shown before a backend is known
     */
    OriginRoute(Clock clock, String validationMethods, boolean chainValidated, String defaultWorkload) {
        this.clock = clock;
        this.validationMethods = validationMethods;
        this.chainValidated = chainValidated;
        this.defaultWorkload = defaultWorkload.toUpperCase(Locale.ROOT);
    }

    Map<String, Object> missingName(RequestContext request) {
        Map<String, Object> body = message("Missing required query parameter 'SecretName'.");
        body.put("ErrorCode", ErrorCode.MISSING_SECRET_NAME.code());
        body.put("Diagnostics", diagnostics(request, null, null, defaultWorkload, "request-validation",
                "SecretName is required"));
        return body;
    }

    /**
     * A request whose client certificate was missing, unreadable or refused by the policy, with
     * the origin's phase: {@code cert-extraction} when there was no usable certificate,
     * {@code validation} when the policy refused it.
     */
    Map<String, Object> refused(RequestContext request, ErrorCode code, String name) {
        boolean extraction = code == ErrorCode.CLIENT_CERTIFICATE_REQUIRED || code == ErrorCode.INVALID_CERTIFICATE_HEADER
                || code == ErrorCode.UNTRUSTED_CERTIFICATE_HEADER;
        String text = switch (code) {
            case CLIENT_CERTIFICATE_REQUIRED -> "Client certificate is missing.";
            case INVALID_CERTIFICATE_HEADER -> "Client certificate could not be read.";
            case UNTRUSTED_CERTIFICATE_HEADER -> "Client certificate headers are accepted only from the trusted ingress.";
            case CERTIFICATE_CHECK_UNAVAILABLE -> "The client certificate cannot be checked right now. Retry later.";
            case CERTIFICATE_REFUSED -> "Client certificate validation failed.";
            default -> "The request was refused.";
        };
        Map<String, Object> body = message(text);
        body.put("ErrorCode", code.code());
        body.put("Diagnostics", diagnostics(request, null, name, defaultWorkload, extraction ? "cert-extraction" : "validation",
                text));
        return body;
    }

    Map<String, Object> answer(RequestContext request, ClientIdentity identity, EntraDevice device, String name,
            SecretRead read) {
        if (read.isGranted()) {
            SecretValue secret = read.secret();
            String workload = secret.backendType().toUpperCase(Locale.ROOT);
            Map<String, Object> body = message("Secret retrieved successfully.");
            body.put("SecretName", secret.name());
            // a structured secret (a Table row) is returned whole, as the origin did; otherwise the text
            body.put("SecretValue", secret.fields().isEmpty() ? secret.value() : secret.fields());
            body.put("CertThumb", identity.sha1Upper());
            body.put("Workload", workload);
            Map<String, Object> diagnostics = diagnostics(request, identity, name, workload, "success", "Secret retrieved");
            if (device != null) {
                diagnostics.put("EntraDeviceId", device.deviceId());
                diagnostics.put("EntraDeviceName", device.displayName());
            }
            body.put("Diagnostics", diagnostics);
            return body;
        }
        ErrorCode error = read.error();
        String phase = switch (error) {
            case INVALID_SECRET_NAME -> "request-validation";
            case FORBIDDEN -> "unauthorized";
            default -> "secret-retrieval";
        };
        String text = switch (error) {
            case INVALID_SECRET_NAME -> "Invalid SecretName.";
            case FORBIDDEN -> "This certificate is not allowed to read this secret.";
            case SECRET_NOT_FOUND -> "Secret not found.";
            case SECRET_DISABLED -> "Secret is disabled in the secret store.";
            case SECRET_EXPIRED -> "Secret has expired in the secret store.";
            case SECRET_NOT_YET_VALID -> "Secret is not valid yet in the secret store.";
            case BACKEND_UNAVAILABLE, BACKEND_TIMEOUT -> "The secret store is unavailable. Retry later.";
            default -> "Internal error while retrieving the secret.";
        };
        Map<String, Object> body = message(text);
        body.put("ErrorCode", error.code());
        if (error == ErrorCode.SECRET_NOT_FOUND) {
            body.put("Hint", "Check that the secret '" + name + "' exists in the " + defaultWorkload + " workload ("
                    + whereItLives(defaultWorkload, name) + ").");
        }
        body.put("Diagnostics", diagnostics(request, identity, name, defaultWorkload, phase, text));
        return body;
    }

    /** Where a secret of this name lives in a store of this kind, as the origin's Hint told it for APPSETTINGS. */
    private static String whereItLives(String workload, String name) {
        return switch (workload.toLowerCase(java.util.Locale.ROOT)) {
            case "appsettings" -> "for APPSETTINGS: an app setting named VAR_" + name;
            case "keyvault" -> "for KEYVAULT: a secret named " + name + " in the vault, enabled";
            case "table" -> "for TABLE: a row whose RowKey is " + name + " (PartitionKey secret by default)";
            case "file" -> "a file named " + name + " in the backend's directory";
            default -> "a secret named " + name;
        };
    }

    private static Map<String, Object> message(String text) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Message", text);
        return body;
    }

    private Map<String, Object> diagnostics(RequestContext request, ClientIdentity identity, String name, String workload,
            String phase, String message) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("Timestamp", DateTimeFormatter.ISO_INSTANT.format(clock.instant()));
        d.put("Method", request.method());
        d.put("Url", redactedUrl(request.uri(), name));
        d.put("SecretName", name);
        d.put("Workload", workload);
        d.put("Phase", phase);
        d.put("ValidationMethod", validationMethods);
        d.put("CertThumbprint", identity == null ? null : identity.sha1Upper());
        d.put("ChainValidationStatus", identity == null ? null : chainValidated ? "Valid" : "NotChecked");
        d.put("Message", message);
        d.put("RequestId", request.requestId());
        return d;
    }

    /** The path and the SecretName only: the origin echoed the whole URL, Functions key included. */
    private static String redactedUrl(String uri, String name) {
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        return name == null ? path : path + "?SecretName=" + name;
    }
}
