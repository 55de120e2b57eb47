package io.mtlsproxy.core.forwarded;

import java.util.Locale;
import java.util.Objects;

/**
 * A forwarded client-certificate header that cannot be used. {@link #reason()} is a stable code for
 * metrics, logs and the client's error; the message may name a position or a key, never the value, so
 * either can be logged.
 */
public final class ForwardedCertificateException extends Exception {

    /** Why a header was refused; {@link #code()} is the stable form. */
    public enum Reason {
        /** No header, an empty one, or an XFCC element without {@code Cert=} or {@code Chain=}. */
        MISSING_CERTIFICATE,
        /** Not base64 (wrong alphabet, misplaced padding, bad length). */
        MALFORMED_BASE64,
        /** A {@code %} not followed by two hex digits, or percent-encoded bytes that are not UTF-8. */
        MALFORMED_URL_ENCODING,
        /** Not exactly the PEM blocks expected (a missing or extra block, another block type, text around it). */
        MALFORMED_PEM,
        /** Not an XFCC header in Envoy's grammar, or a last element that contradicts itself. */
        MALFORMED_XFCC,
        /** Not an RFC 8941 byte sequence ({@code :base64:}) or list of them. */
        MALFORMED_STRUCTURED_FIELD,
        /** Bytes that are not exactly one DER X.509 certificate. */
        NOT_A_CERTIFICATE,
        /** A header over its size bound. */
        TOO_LARGE,
        /** More chain certificates than allowed. */
        TOO_MANY_CERTIFICATES;

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    public ForwardedCertificateException(Reason reason, String message) {
        super(Objects.requireNonNull(reason, "reason").code() + ": " + message);
        this.reason = reason;
    }

    public ForwardedCertificateException(Reason reason, String message, Throwable cause) {
        super(Objects.requireNonNull(reason, "reason").code() + ": " + message, cause);
        this.reason = reason;
    }

    /** Stable lower_snake code, e.g. {@code malformed_base64}. */
    public String reason() {
        return reason.code();
    }

    public Reason reasonCode() {
        return reason;
    }
}
