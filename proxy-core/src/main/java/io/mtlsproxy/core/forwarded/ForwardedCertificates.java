package io.mtlsproxy.core.forwarded;

import io.mtlsproxy.core.forwarded.ForwardedCertificateException.Reason;
import io.mtlsproxy.core.identity.Thumbprints;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Reads the client certificate a trusted ingress forwarded in a header, strictly: bounded sizes, exactly
 * one certificate where one is meant, nothing after it, every byte accounted for. What comes out is only
 * a presented chain: the caller validates it by the same policy as a direct TLS connection.
 */
public final class ForwardedCertificates {
    /** Bound of a header that carries one certificate (a leaf of 16 KiB is already unusually large). */
    public static final int MAX_CERTIFICATE_HEADER = 16 * 1024;
    /** Bound of a header that can carry a chain: {@code client-cert-chain}, or XFCC with {@code Chain=}. */
    public static final int MAX_CHAIN_HEADER = 64 * 1024;
    /** Most certificates accepted besides the leaf. */
    public static final int MAX_CHAIN_CERTIFICATES = 10;

    private ForwardedCertificates() {}

    /**
     * Pass a header that came more than once as its lines joined by {@code ,} (RFC 9110's combination):
     * XFCC is a list by design, so its last element is taken; for the other formats a repeated header no
     * longer parses and is refused, as it should be.
     *
     * @param value the header's value (for XFCC, all of its lines joined by {@code ,})
     * @param chainValue {@code client-cert-chain} for {@link ForwardedCertificateFormat#CLIENT_CERT} (all
     *     its lines joined by {@code ,}), or null; ignored for the other formats
     * @return the chain, leaf first (one element when only a leaf was forwarded)
     */
    public static List<X509Certificate> parse(ForwardedCertificateFormat format, String value, String chainValue)
            throws ForwardedCertificateException {
        Objects.requireNonNull(format, "format");
        if (value == null || value.isBlank()) {
            throw new ForwardedCertificateException(Reason.MISSING_CERTIFICATE, format.defaultHeader() + ": absent or empty");
        }
        return switch (format) {
            case ARR_CLIENT_CERT -> List.of(arr(value));
            case ESCAPED_PEM -> List.of(escapedPem(value));
            case XFCC -> xfcc(value);
            case CLIENT_CERT -> clientCert(value, chainValue);
        };
    }

    private static X509Certificate arr(String value) throws ForwardedCertificateException {
        String where = "x-arr-clientcert";
        bound(value, MAX_CERTIFICATE_HEADER, where);
        String text = strip(value);
        if (text.startsWith("-----")) {
            throw new ForwardedCertificateException(Reason.MALFORMED_BASE64, where + ": a PEM where base64 DER is expected");
        }
        return CertificateText.der(CertificateText.base64(text, 0, text.length(), where), where);
    }

    private static X509Certificate escapedPem(String value) throws ForwardedCertificateException {
        String where = "escaped PEM";
        bound(value, MAX_CERTIFICATE_HEADER, where);
        String pem = PercentEncoding.decode(strip(value), where);
        return CertificateText.pem(pem, 1, where).get(0);
    }

    private static List<X509Certificate> xfcc(String value) throws ForwardedCertificateException {
        String where = "x-forwarded-client-cert";
        bound(value, MAX_CHAIN_HEADER, where);
        List<XfccElement> elements = Xfcc.parse(value);
        XfccElement nearest = elements.get(elements.size() - 1);
        String cert = single(nearest, "Cert");
        String chain = single(nearest, "Chain");
        String hash = single(nearest, "Hash");
        if (cert == null && chain == null) {
            throw new ForwardedCertificateException(Reason.MISSING_CERTIFICATE,
                    where + ": the last element has neither Cert nor Chain");
        }
        X509Certificate leaf = null;
        if (cert != null) {
            bound(cert, MAX_CERTIFICATE_HEADER, where + " Cert");
            leaf = CertificateText.pem(PercentEncoding.decode(cert, where + " Cert"), 1, where + " Cert").get(0);
        }
        List<X509Certificate> result;
        if (chain != null) {
            result = CertificateText.pem(PercentEncoding.decode(chain, where + " Chain"), MAX_CHAIN_CERTIFICATES + 1,
                    where + " Chain");
            if (leaf != null && !leaf.equals(result.get(0))) {
                throw new ForwardedCertificateException(Reason.MALFORMED_XFCC,
                        where + ": the last element's Chain does not start with its Cert");
            }
        } else {
            result = List.of(leaf);
        }
        if (hash != null && !hash.toLowerCase(Locale.ROOT).equals(Thumbprints.sha256Hex(result.get(0)))) {
            throw new ForwardedCertificateException(Reason.MALFORMED_XFCC,
                    where + ": the last element's Hash is not the SHA-256 of its certificate");
        }
        return List.copyOf(result);
    }

    private static List<X509Certificate> clientCert(String value, String chainValue) throws ForwardedCertificateException {
        bound(value, MAX_CERTIFICATE_HEADER, "client-cert");
        if (chainValue != null) {
            bound(chainValue, MAX_CHAIN_HEADER, "client-cert-chain");
        }
        List<X509Certificate> chain = new ArrayList<>(3);
        chain.add(CertificateText.der(StructuredFields.parseBinary(value, "client-cert"), "client-cert"));
        if (chainValue != null) {
            List<byte[]> members = StructuredFields.parseBinaryList(chainValue, MAX_CHAIN_CERTIFICATES, "client-cert-chain");
            for (int i = 0; i < members.size(); i++) {
                chain.add(CertificateText.der(members.get(i), "client-cert-chain member " + (i + 1)));
            }
        }
        return List.copyOf(chain);
    }

    /** The value of a key that may appear at most once in the element, or null. */
    private static String single(XfccElement element, String key) throws ForwardedCertificateException {
        List<String> values = element.values(key);
        if (values.size() > 1) {
            throw new ForwardedCertificateException(Reason.MALFORMED_XFCC,
                    "x-forwarded-client-cert: the last element has " + key + " " + values.size() + " times");
        }
        return values.isEmpty() ? null : values.get(0);
    }

    private static void bound(String value, int max, String where) throws ForwardedCertificateException {
        if (value.length() > max) {
            throw new ForwardedCertificateException(Reason.TOO_LARGE,
                    where + ": " + value.length() + " characters, over the bound of " + max);
        }
    }

    /** HTTP strips optional whitespace around a field value; a proxy that kept some is forgiven. */
    private static String strip(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) {
            end--;
        }
        return value.substring(start, end);
    }
}
