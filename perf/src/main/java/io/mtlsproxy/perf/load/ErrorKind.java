package io.mtlsproxy.perf.load;

import java.util.Locale;

/** Why an operation failed; each kind is its own counter in the report and a stable JSON key. */
enum ErrorKind {
    /** TCP connect refused, unreachable or not completed within the timeout. */
    CONNECT,
    /** TLS handshake failed, or the server refused the certificate (under TLS 1.3 seen on the first read). */
    TLS,
    /** The response was complete but its status was not 200. */
    STATUS,
    /** A 200 whose body does not contain {@code --expect-body}. */
    BODY,
    /** No complete response within {@code --timeout}, or a handshake that took longer. */
    TIMEOUT,
    /** The connection closed or was reset before the response was complete. */
    CLOSED,
    /** The bytes received are not a well-formed HTTP/1.1 response. */
    PROTOCOL;

    String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
