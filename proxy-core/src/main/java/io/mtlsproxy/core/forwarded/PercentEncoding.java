package io.mtlsproxy.core.forwarded;

import io.mtlsproxy.core.forwarded.ForwardedCertificateException.Reason;
import java.nio.charset.StandardCharsets;

/** RFC 3986 percent-encoding as Envoy and nginx apply it to PEM, and the header-safe form of free text. */
final class PercentEncoding {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PercentEncoding() {}

    /**
     * Encodes every byte but the unreserved characters ({@code A-Z a-z 0-9 - . _ ~}) as {@code %XX}
     * (upper-case hex), as Envoy's {@code urlEncodedPemEncodedPeerCertificate} and nginx's
     * {@code $ssl_client_escaped_cert} do: a PEM becomes {@code -----BEGIN%20CERTIFICATE-----%0AMII...}.
     */
    static String encodeComponent(String text) {
        StringBuilder out = new StringBuilder(text.length() + text.length() / 8);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                appendEscape(out, c);
            }
        }
        return out.toString();
    }

    /**
     * Makes free text (a DN, a device id) a valid header value that still reads as itself: control
     * characters (CR and LF among them), DEL, every non-ASCII character (as its UTF-8 bytes) and
     * {@code %} itself become {@code %XX}, so percent-decoding as UTF-8 gives back the text exactly.
     */
    static String headerSafe(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '%') {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            int end = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))
                    ? i + 2 : i + 1;
            for (byte b : text.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                appendEscape(out, b & 0xff);
            }
            i = end - 1;
        }
        return out == null ? text : out.toString();
    }

    /**
     * Decodes {@code %XX} escapes (a {@code +} stays a {@code +}: it is a base64 character in a PEM, not a
     * space). Raw characters must be printable ASCII or space; the result is read as ISO-8859-1, so any
     * non-ASCII byte survives for the PEM reader to refuse.
     *
     * @param where names the value in messages, e.g. "XFCC Cert"
     */
    static String decode(String text, String where) throws ForwardedCertificateException {
        byte[] bytes = new byte[text.length()];
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                int hi = i + 1 < text.length() ? hex(text.charAt(i + 1)) : -1;
                int lo = i + 2 < text.length() ? hex(text.charAt(i + 2)) : -1;
                if (hi < 0 || lo < 0) {
                    throw new ForwardedCertificateException(Reason.MALFORMED_URL_ENCODING,
                            where + ": '%' at position " + i + " is not followed by two hex digits");
                }
                bytes[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (c >= 0x20 && c < 0x7f) {
                bytes[n++] = (byte) c;
            } else {
                throw new ForwardedCertificateException(Reason.MALFORMED_URL_ENCODING,
                        where + ": character at position " + i + " must be percent-encoded");
            }
        }
        return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
    }

    private static void appendEscape(StringBuilder out, int b) {
        out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
