package io.mtlsproxy.core.forwarded;

import io.mtlsproxy.core.forwarded.ForwardedCertificateException.Reason;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The two RFC 8941 shapes RFC 9440 uses: an sf-binary item ({@code :base64:}) and an sf-list of them.
 * Parameters are refused: RFC 9440 defines none, and a value this gateway does not fully understand is
 * not half-accepted.
 */
final class StructuredFields {
    private StructuredFields() {}

    static String binary(byte[] bytes) {
        return ":" + Base64.getEncoder().encodeToString(bytes) + ":";
    }

    static String binaryList(List<byte[]> members) {
        StringBuilder out = new StringBuilder();
        for (byte[] member : members) {
            if (!out.isEmpty()) {
                out.append(", ");
            }
            out.append(binary(member));
        }
        return out.toString();
    }

    /** One sf-binary, with optional surrounding spaces (RFC 8941 section 4.2). */
    static byte[] parseBinary(String value, String where) throws ForwardedCertificateException {
        int start = skipSpaces(value, 0);
        int end = value.length();
        while (end > start && isOws(value.charAt(end - 1))) {
            end--;
        }
        if (start == end) {
            throw new ForwardedCertificateException(Reason.MISSING_CERTIFICATE, where + ": empty");
        }
        int next = binaryAt(value, start, where);
        if (next != end) {
            throw new ForwardedCertificateException(Reason.MALFORMED_STRUCTURED_FIELD,
                    where + ": unexpected character at position " + next + " after the byte sequence");
        }
        return decode(value, start, where);
    }

    /** An sf-list of sf-binary; an empty value is an empty list. */
    static List<byte[]> parseBinaryList(String value, int max, String where) throws ForwardedCertificateException {
        List<byte[]> members = new ArrayList<>();
        int i = skipSpaces(value, 0);
        while (i < value.length()) {
            if (members.size() == max) {
                throw new ForwardedCertificateException(Reason.TOO_MANY_CERTIFICATES, where + ": more than " + max + " certificates");
            }
            int next = binaryAt(value, i, where + " member " + (members.size() + 1));
            members.add(decode(value, i, where + " member " + (members.size() + 1)));
            i = skipOws(value, next);
            if (i == value.length()) {
                break;
            }
            if (value.charAt(i) != ',') {
                throw new ForwardedCertificateException(Reason.MALFORMED_STRUCTURED_FIELD,
                        where + ": expected ',' at position " + i);
            }
            i = skipOws(value, i + 1);
            if (i == value.length()) {
                throw new ForwardedCertificateException(Reason.MALFORMED_STRUCTURED_FIELD, where + ": ends with ','");
            }
        }
        return members;
    }

    /** Checks the byte sequence starting at {@code start}; returns the position after its closing ':'. */
    private static int binaryAt(String value, int start, String where) throws ForwardedCertificateException {
        if (value.charAt(start) != ':') {
            throw new ForwardedCertificateException(Reason.MALFORMED_STRUCTURED_FIELD,
                    where + ": expected ':' (a byte sequence) at position " + start);
        }
        int close = value.indexOf(':', start + 1);
        if (close < 0) {
            throw new ForwardedCertificateException(Reason.MALFORMED_STRUCTURED_FIELD,
                    where + ": the byte sequence at position " + start + " has no closing ':'");
        }
        return close + 1;
    }

    private static byte[] decode(String value, int start, String where) throws ForwardedCertificateException {
        int close = value.indexOf(':', start + 1);
        return CertificateText.base64(value, start + 1, close, where);
    }

    private static int skipSpaces(String value, int i) {
        while (i < value.length() && value.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    private static int skipOws(String value, int i) {
        while (i < value.length() && isOws(value.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }
}
