package io.mtlsproxy.core.forwarded;

import io.mtlsproxy.core.forwarded.ForwardedCertificateException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Envoy's {@code x-forwarded-client-cert} (XFCC) grammar.
 *
 * <p>A header is elements separated by {@code ,}; an element is {@code key=value} pairs separated by
 * {@code ;}. A value that holds {@code , ; =} or {@code "} is double-quoted, a {@code "} inside written
 * {@code \"}. Envoy always quotes {@code Subject}, {@code Cert} and {@code Chain}, and so does this writer.
 * In a quoted value this writer also doubles a backslash that comes last or before {@code "} or {@code \},
 * so that the reader below gives the value back exactly; any other backslash (an RFC 2253 escape such as
 * {@code \,}) is written as it is, as Envoy does.
 *
 * <p>Reading: separators count only outside quotes; spaces and tabs around separators are allowed (other
 * proxies join elements with {@code ", "}); inside quotes {@code \"} is a quote and {@code \\} a backslash,
 * and any other backslash is kept as it is, because Envoy writes a subject's RFC 2253 escapes
 * ({@code CN=Doe\, John}) unchanged inside the quotes. Refused: an empty element or pair, a key that is not
 * letters, digits, {@code -} or {@code _}, a pair without {@code =}, an unterminated quote, text after a
 * closing quote, a quote inside an unquoted value, control characters.
 */
public final class Xfcc {
    /** Keys whose values Envoy always writes quoted. */
    private static final Set<String> ALWAYS_QUOTED = Set.of("subject", "cert", "chain");
    private static final List<String> KNOWN_KEYS = List.of("By", "Hash", "Cert", "Chain", "Subject", "URI", "DNS");

    private Xfcc() {}

    /** The elements of a header value, first (farthest proxy) to last (nearest). */
    public static List<XfccElement> parse(String header) throws ForwardedCertificateException {
        List<XfccElement> elements = new ArrayList<>(2);
        List<XfccElement.Pair> pairs = new ArrayList<>(6);
        int i = skipOws(header, 0);
        if (i == header.length()) {
            throw malformed("the header is empty");
        }
        while (true) {
            int keyStart = i;
            while (i < header.length() && isKeyChar(header.charAt(i))) {
                i++;
            }
            if (i == keyStart) {
                throw malformed("element " + (elements.size() + 1) + ": expected a key at position " + i);
            }
            String key = header.substring(keyStart, i);
            if (i == header.length() || header.charAt(i) != '=') {
                throw malformed("element " + (elements.size() + 1) + ": key " + named(key) + " without '=' at position " + i);
            }
            i++;
            String value;
            if (i < header.length() && header.charAt(i) == '"') {
                StringBuilder quoted = new StringBuilder();
                i = readQuoted(header, i + 1, quoted, elements.size() + 1, key);
                value = quoted.toString();
            } else {
                int valueStart = i;
                while (i < header.length() && header.charAt(i) != ';' && header.charAt(i) != ',') {
                    char c = header.charAt(i);
                    if (c == '"' || isControl(c)) {
                        throw malformed("element " + (elements.size() + 1) + ": key " + named(key)
                                + " has an invalid character at position " + i + " in its unquoted value");
                    }
                    i++;
                }
                int valueEnd = i;
                while (valueEnd > valueStart && isOws(header.charAt(valueEnd - 1))) {
                    valueEnd--;
                }
                value = header.substring(valueStart, valueEnd);
            }
            pairs.add(new XfccElement.Pair(key, value));
            i = skipOws(header, i);
            if (i == header.length()) {
                elements.add(new XfccElement(pairs));
                return elements;
            }
            char separator = header.charAt(i);
            if (separator == ',') {
                elements.add(new XfccElement(pairs));
                pairs = new ArrayList<>(6);
            } else if (separator != ';') {
                throw malformed("element " + (elements.size() + 1) + ": unexpected character at position " + i
                        + " after the value of " + named(key));
            }
            i = skipOws(header, i + 1);
            if (i == header.length()) {
                throw malformed("the header ends with '" + separator + "'");
            }
        }
    }

    /** Reads a quoted value from after its opening quote; returns the position after the closing one. */
    private static int readQuoted(String header, int i, StringBuilder out, int element, String key)
            throws ForwardedCertificateException {
        while (i < header.length()) {
            char c = header.charAt(i);
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\' && i + 1 < header.length() && (header.charAt(i + 1) == '"' || header.charAt(i + 1) == '\\')) {
                out.append(header.charAt(i + 1));
                i += 2;
                continue;
            }
            if (isControl(c)) {
                throw malformed("element " + element + ": key " + named(key) + " has a control character at position " + i);
            }
            out.append(c);
            i++;
        }
        throw malformed("element " + element + ": the quoted value of " + named(key) + " is not terminated");
    }

    /**
     * Envoy's encoding: pairs joined by {@code ;}, elements by {@code ,} (no spaces). Values are quoted
     * when Envoy quotes them or when they hold a separator, a quote or surrounding blanks.
     *
     * @throws IllegalArgumentException for a key outside the grammar or a control character in a value,
     *     which no header may carry
     */
    public static String format(List<XfccElement> elements) {
        StringBuilder out = new StringBuilder(256);
        for (XfccElement element : elements) {
            if (!out.isEmpty()) {
                out.append(',');
            }
            boolean first = true;
            for (XfccElement.Pair pair : element.pairs()) {
                if (!first) {
                    out.append(';');
                }
                first = false;
                appendPair(out, pair.key(), pair.value());
            }
        }
        return out.toString();
    }

    private static void appendPair(StringBuilder out, String key, String value) {
        if (key.isEmpty() || !key.chars().allMatch(c -> isKeyChar((char) c))) {
            throw new IllegalArgumentException("not an XFCC key: " + key);
        }
        out.append(key).append('=');
        boolean quote = ALWAYS_QUOTED.contains(key.toLowerCase(java.util.Locale.ROOT)) || needsQuotes(value);
        if (quote) {
            out.append('"');
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (isControl(c)) {
                throw new IllegalArgumentException("control character in the XFCC value of " + key);
            }
            if (quote && (c == '"' || (c == '\\' && (i + 1 == value.length() || value.charAt(i + 1) == '"'
                    || value.charAt(i + 1) == '\\')))) {
                out.append('\\'); // only where a reader would take the backslash for an escape
            }
            out.append(c);
        }
        if (quote) {
            out.append('"');
        }
    }

    private static boolean needsQuotes(String value) {
        if (!value.isEmpty() && (isOws(value.charAt(0)) || isOws(value.charAt(value.length() - 1)))) {
            return true;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ',' || c == ';' || c == '=' || c == '"') {
                return true;
            }
        }
        return false;
    }

    /** A key for a message: Envoy's keys by name, anything else unnamed, as it is text from the header. */
    private static String named(String key) {
        for (String known : KNOWN_KEYS) {
            if (known.equalsIgnoreCase(key)) {
                return known;
            }
        }
        return "(unknown)";
    }

    private static ForwardedCertificateException malformed(String message) {
        return new ForwardedCertificateException(Reason.MALFORMED_XFCC, message);
    }

    private static boolean isKeyChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    private static boolean isControl(char c) {
        return (c < 0x20 && c != '\t') || c == 0x7f;
    }

    private static int skipOws(String header, int i) {
        while (i < header.length() && isOws(header.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }
}
