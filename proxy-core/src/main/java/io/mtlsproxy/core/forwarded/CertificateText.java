package io.mtlsproxy.core.forwarded;

import io.mtlsproxy.core.forwarded.ForwardedCertificateException.Reason;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Strict readers and the writer of the certificate encodings that travel in headers: base64 DER and PEM. */
final class CertificateText {
    private static final String BEGIN = "-----BEGIN CERTIFICATE-----";
    private static final String END = "-----END CERTIFICATE-----";
    private static final Base64.Encoder PEM_BODY = Base64.getMimeEncoder(64, new byte[] {'\n'});

    private CertificateText() {}

    /**
     * Exactly one DER certificate: a SEQUENCE whose length covers the bytes exactly (no trailing data),
     * which the JDK's X.509 factory accepts.
     */
    static X509Certificate der(byte[] der, String where) throws ForwardedCertificateException {
        if (der.length < 2 || der[0] != 0x30) {
            throw new ForwardedCertificateException(Reason.NOT_A_CERTIFICATE, where + ": not a DER certificate (no SEQUENCE)");
        }
        long total = derLength(der, where);
        if (total != der.length) {
            throw new ForwardedCertificateException(Reason.NOT_A_CERTIFICATE, where + ": "
                    + (total < der.length ? (der.length - total) + " bytes after the certificate" : "truncated certificate"));
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            return (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new ForwardedCertificateException(Reason.NOT_A_CERTIFICATE, where + ": not a readable X.509 certificate", e);
        }
    }

    /** The length a DER SEQUENCE header announces, header included. */
    private static long derLength(byte[] der, String where) throws ForwardedCertificateException {
        int first = der[1] & 0xff;
        if (first < 0x80) {
            return 2L + first;
        }
        int count = first & 0x7f;
        if (count == 0 || count > 4 || der.length < 2 + count) {
            throw new ForwardedCertificateException(Reason.NOT_A_CERTIFICATE, where + ": not a DER certificate (bad length)");
        }
        long length = 0;
        for (int i = 0; i < count; i++) {
            length = length << 8 | (der[2 + i] & 0xff);
        }
        return 2L + count + length;
    }

    /**
     * Standard base64 (RFC 4648 section 4: {@code A-Z a-z 0-9 + /}), padding optional but only at the end;
     * nothing else, not even whitespace.
     *
     * @param where names the value in messages; positions are indexes into {@code text}
     */
    static byte[] base64(String text, int from, int to, String where) throws ForwardedCertificateException {
        int padding = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == '=') {
                padding++;
            } else if (padding > 0 || !isBase64(c)) {
                throw new ForwardedCertificateException(Reason.MALFORMED_BASE64,
                        where + ": character at position " + i + " is not base64");
            }
        }
        int length = to - from;
        if (padding > 2 || (padding > 0 && length % 4 != 0) || length % 4 == 1) {
            throw new ForwardedCertificateException(Reason.MALFORMED_BASE64, where + ": base64 of a wrong length or padding");
        }
        if (length == 0) {
            throw new ForwardedCertificateException(Reason.MISSING_CERTIFICATE, where + ": empty");
        }
        try {
            return Base64.getDecoder().decode(text.substring(from, to));
        } catch (IllegalArgumentException e) {
            throw new ForwardedCertificateException(Reason.MALFORMED_BASE64, where + ": not base64");
        }
    }

    static boolean isBase64(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    }

    /**
     * One or more PEM certificate blocks and nothing else but whitespace between and around them.
     *
     * @param max more blocks than this is {@code too_many_certificates}
     */
    static List<X509Certificate> pem(String text, int max, String where) throws ForwardedCertificateException {
        List<X509Certificate> certs = new ArrayList<>(2);
        int i = skipWhitespace(text, 0);
        if (i == text.length()) {
            throw new ForwardedCertificateException(Reason.MISSING_CERTIFICATE, where + ": empty");
        }
        while (i < text.length()) {
            int n = certs.size() + 1;
            if (!text.startsWith(BEGIN, i)) {
                throw new ForwardedCertificateException(Reason.MALFORMED_PEM, where + ": expected '" + BEGIN
                        + "' at position " + i + (text.startsWith("-----BEGIN ", i) ? " (a PEM block of another type)" : ""));
            }
            if (certs.size() == max) {
                throw new ForwardedCertificateException(Reason.TOO_MANY_CERTIFICATES, where + ": more than " + max + " certificates");
            }
            int bodyStart = i + BEGIN.length();
            int end = text.indexOf(END, bodyStart);
            if (end < 0) {
                throw new ForwardedCertificateException(Reason.MALFORMED_PEM, where + ": certificate " + n + " has no '" + END + "'");
            }
            StringBuilder body = new StringBuilder(end - bodyStart);
            for (int j = bodyStart; j < end; j++) {
                char c = text.charAt(j);
                if (isBase64(c) || c == '=') {
                    body.append(c);
                } else if (!isWhitespace(c)) {
                    throw new ForwardedCertificateException(Reason.MALFORMED_PEM,
                            where + ": certificate " + n + " has a non-base64 character at position " + j);
                }
            }
            byte[] der;
            try {
                der = base64(body.toString(), 0, body.length(), where + " certificate " + n);
            } catch (ForwardedCertificateException e) {
                throw new ForwardedCertificateException(Reason.MALFORMED_PEM, where + ": certificate " + n + " body is not base64");
            }
            certs.add(der(der, where + " certificate " + n));
            i = skipWhitespace(text, end + END.length());
        }
        return certs;
    }

    /** OpenSSL's PEM form: 64-character lines, LF line ends, a final LF. */
    static String pem(X509Certificate cert) {
        return BEGIN + "\n" + PEM_BODY.encodeToString(encoded(cert)) + "\n" + END + "\n";
    }

    static byte[] encoded(X509Certificate cert) {
        try {
            return cert.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded", e);
        }
    }

    private static int skipWhitespace(String text, int i) {
        while (i < text.length() && isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isWhitespace(char c) {
        return c == '\n' || c == '\r' || c == ' ' || c == '\t';
    }
}
