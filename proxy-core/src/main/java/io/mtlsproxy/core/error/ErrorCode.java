package io.mtlsproxy.core.error;

/**
 * The stable error codes clients see in {@code {"error":{"code",...}}}. Codes never change
 * meaning; messages may be reworded. None reveals policy internals or backend details.
 */
public enum ErrorCode {
    BAD_REQUEST(400, "the request is malformed"),
    /** On the behind-ingress listener: the forwarded client-certificate header cannot be parsed. */
    INVALID_CERTIFICATE_HEADER(400, "the forwarded client certificate header is malformed"),
    INVALID_SECRET_NAME(400, "the secret name is not valid"),
    INVALID_SECRET_VERSION(400, "the version parameter is not valid"),
    MISSING_SECRET_NAME(400, "the SecretName parameter is required"),
    CLIENT_CERTIFICATE_REQUIRED(401, "a valid client certificate is required"),
    CERTIFICATE_REFUSED(401, "the client certificate is not accepted"),
    FORBIDDEN(403, "this client may not read this secret"),
    ROUTE_FORBIDDEN(403, "this client may not use this route"),
    /** On the behind-ingress listener: a client-certificate header from an address that is not a trusted proxy. */
    UNTRUSTED_CERTIFICATE_HEADER(403, "client certificate headers are accepted only from trusted proxies"),
    NOT_FOUND(404, "no such route"),
    SECRET_NOT_FOUND(404, "no such secret"),
    /** The store holds the secret but not as anything it may serve yet (Key Vault: {@code nbf} in the future). */
    SECRET_NOT_YET_VALID(404, "the secret is not valid yet"),
    METHOD_NOT_ALLOWED(405, "method not allowed"),
    /** The store holds the secret but it was disabled there (Key Vault: {@code enabled: false}). */
    SECRET_DISABLED(410, "the secret is disabled"),
    /** The store holds the secret but it expired there (Key Vault: {@code exp} in the past). */
    SECRET_EXPIRED(410, "the secret has expired"),
    BODY_TOO_LARGE(413, "the request body is too large"),
    URI_TOO_LONG(414, "the request URI is too long"),
    RATE_LIMITED(429, "too many requests, retry later"),
    LOCKED_OUT(429, "too many refused requests from this client, retry later"),
    HEADERS_TOO_LARGE(431, "the request headers are too large"),
    INTERNAL_ERROR(500, "internal error"),
    /** A protocol upgrade (WebSocket) on a proxy route whose upstream speaks HTTP/2, which has no such upgrade. */
    UPGRADE_NOT_SUPPORTED(501, "this route does not support protocol upgrades"),
    UPSTREAM_UNAVAILABLE(502, "the upstream service is unavailable, retry later"),
    BACKEND_UNAVAILABLE(503, "the secret store is unavailable, retry later"),
    BACKEND_TIMEOUT(503, "the secret store did not answer in time, retry later"),
    CERTIFICATE_CHECK_UNAVAILABLE(503, "the client certificate cannot be checked right now, retry later"),
    SHUTTING_DOWN(503, "the gateway is shutting down, retry on another instance"),
    UPSTREAM_TIMEOUT(504, "the upstream service did not answer in time");

    private final int status;
    private final String defaultMessage;

    ErrorCode(int status, String defaultMessage) {
        this.status = status;
        this.defaultMessage = defaultMessage;
    }

    public int status() {
        return status;
    }

    public String defaultMessage() {
        return defaultMessage;
    }

    /** The code as sent: lower snake case, e.g. {@code secret_not_found}. */
    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
