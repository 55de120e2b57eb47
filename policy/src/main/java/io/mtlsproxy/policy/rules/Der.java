package io.mtlsproxy.policy.rules;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/** Just enough DER to read an extension's value: one tag-length-value at a time, definite lengths only. */
final class Der {
    static final int OCTET_STRING = 0x04;

    private Der() {}

    /** The content of a DER value that must span the whole input. */
    private record Value(int tag, byte[] content) {}

    private static Value whole(byte[] der) {
        if (der.length < 2) {
            throw new IllegalArgumentException("truncated DER");
        }
        int tag = der[0] & 0xff;
        if ((tag & 0x1f) == 0x1f) {
            throw new IllegalArgumentException("multi-byte DER tag");
        }
        int first = der[1] & 0xff;
        int offset = 2;
        long length;
        if (first < 0x80) {
            length = first;
        } else {
            int count = first & 0x7f;
            if (count == 0 || count > 4 || der.length < offset + count) {
                throw new IllegalArgumentException("bad DER length");
            }
            length = 0;
            for (int i = 0; i < count; i++) {
                length = (length << 8) | (der[offset++] & 0xff);
            }
        }
        if (offset + length != der.length) {
            throw new IllegalArgumentException("DER length " + length + " does not span the " + (der.length - offset)
                    + " bytes that follow");
        }
        return new Value(tag, Arrays.copyOfRange(der, offset, der.length));
    }

    /**
     * The extension's value, as {@code X509Certificate.getExtensionValue} wraps it: the content of
     * the extnValue OCTET STRING, itself the DER of the extension.
     */
    static byte[] octetStringContent(byte[] der) {
        Value value = whole(der);
        if (value.tag() != OCTET_STRING) {
            throw new IllegalArgumentException("not an OCTET STRING");
        }
        return value.content();
    }

    /** The text of a DER character string (UTF8String, PrintableString, IA5String, ...), if it is one. */
    static Optional<String> string(byte[] der) {
        Value value;
        try {
            value = whole(der);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        Charset charset = switch (value.tag()) {
            case 0x0c -> StandardCharsets.UTF_8; // UTF8String
            case 0x13, 0x16, 0x1a -> StandardCharsets.US_ASCII; // PrintableString, IA5String, VisibleString
            case 0x14 -> StandardCharsets.ISO_8859_1; // TeletexString, as most software reads it
            case 0x1e -> StandardCharsets.UTF_16BE; // BMPString
            default -> null;
        };
        return charset == null ? Optional.empty() : Optional.of(new String(value.content(), charset));
    }
}
