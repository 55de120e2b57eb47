package io.mtlsproxy.core.forwarded;

import io.mtlsproxy.core.config.IdentityHeadersConfig;
import io.mtlsproxy.core.config.SigningConfig;
import io.mtlsproxy.core.config.XfccMode;
import io.mtlsproxy.core.identity.ClientIdentity;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Writes the identity headers a proxy route sets on the request to its upstream, for one route's
 * {@link IdentityHeadersConfig}. Immutable and thread-safe; build once per route (and reload).
 *
 * <p>What is written, in this order:
 * <ol>
 *   <li>{@code x-forwarded-client-cert} by {@link IdentityHeadersConfig#xfcc()}: this gateway's element is
 *       Envoy's ({@code By=<our URI>;Hash=<hex SHA-256 of the leaf DER>;Cert="<URL-encoded PEM>";
 *       Chain="<URL-encoded PEM of the presented chain, leaf first>";Subject="<RFC 2253>";URI=<each URI SAN>;
 *       DNS=<each DNS SAN>}, the chosen keys only, always in that order; {@code URI=} stays, empty, when the
 *       certificate has none, as Envoy writes it). The Subject is its RFC 2253 form kept to ASCII: non-ASCII
 *       and control characters, a quote or backslash, and spaces right before such an escape become RFC 4514
 *       hex escapes ({@code \C3\BC}, {@code \22}, {@code \5C}, {@code \20}), which name the same DN. URI and DNS values have characters that no URI may
 *       hold (space, quote, backslash, controls, non-ASCII) percent-encoded.
 *   <li>{@code client-cert: :<base64 leaf DER>:} and {@code client-cert-chain: :<b64>:, :<b64>:} (RFC 9440;
 *       the chain header only when the client presented intermediates).
 *   <li>{@code x-client-subject}, {@code x-client-issuer} (RFC 2253; control characters, non-ASCII and
 *       {@code %} percent-encoded as UTF-8, so percent-decoding gives the DN back), {@code x-client-sha256}
 *       (lower-case hex of the leaf DER's SHA-256), {@code x-client-serial} (lower-case hex, no leading
 *       zeros), {@code x-client-device-id} (only for an Entra-verified device).
 *   <li>The signature header, when signing is on: see {@link IdentityHeaderVerifier} for the scheme.
 * </ol>
 *
 * <p>The proxy removes every incoming header for which {@link #strips(String)} is true before adding these.
 */
public final class IdentityHeaders {
    public static final String XFCC = "x-forwarded-client-cert";
    public static final String CLIENT_CERT = "client-cert";
    public static final String CLIENT_CERT_CHAIN = "client-cert-chain";
    public static final String SUBJECT = "x-client-subject";
    public static final String ISSUER = "x-client-issuer";
    public static final String SHA256 = "x-client-sha256";
    public static final String SERIAL = "x-client-serial";
    public static final String DEVICE_ID = "x-client-device-id";

    /** Headers that carry a client identity in some proxy's convention, removed from every incoming request. */
    private static final Set<String> IDENTITY_HEADERS = Set.of(
            XFCC, CLIENT_CERT, CLIENT_CERT_CHAIN, "x-arr-clientcert", "x-ssl-client-cert", "ssl-client-cert",
            SigningConfig.DEFAULT_HEADER, "x-forwarded-tls-client-cert", "x-forwarded-tls-client-cert-info",
            "x-client-verify", "x-ms-client-principal");
    /** Prefixes of the same: our simple headers, nginx's habitual {@code X-SSL-Client-*}, AWS ALB, App Service auth. */
    private static final List<String> IDENTITY_PREFIXES = List.of(
            "x-client-", "x-ssl-client-", "x-amzn-mtls-clientcert", "x-ms-client-principal-");

    private final IdentityHeadersConfig config;
    private final IdentitySignature signature;
    private final String signatureHeader;
    private final String byUri;

    private IdentityHeaders(IdentityHeadersConfig config, IdentitySignature signature, String byUri) {
        this.config = config;
        this.signature = signature;
        this.signatureHeader = config.signing() == null ? null : config.signing().header();
        this.byUri = byUri == null ? null : uriLike(byUri);
    }

    /**
     * @param signingKeyOrNull the key read from {@code signing.keyFile} (see {@link SigningKeyFile}); required
     *     exactly when {@code config.signing()} is set
     * @param byUriOrNull this gateway's own URI (Envoy writes its certificate's URI SAN) for XFCC {@code By};
     *     without one, {@code By} is left out as Envoy does
     */
    public static IdentityHeaders of(IdentityHeadersConfig config, byte[] signingKeyOrNull, String byUriOrNull) {
        Objects.requireNonNull(config, "config");
        if ((config.signing() == null) != (signingKeyOrNull == null)) {
            throw new IllegalArgumentException(config.signing() == null
                    ? "a signing key was given but the route does not sign its identity headers"
                    : "the route signs its identity headers but no signing key was given");
        }
        IdentitySignature signature = signingKeyOrNull == null ? null : new IdentitySignature(signingKeyOrNull);
        return new IdentityHeaders(config, signature, byUriOrNull);
    }

    /**
     * Whether a header name is one a client must never be able to inject: {@code x-forwarded-client-cert},
     * {@code client-cert}, {@code client-cert-chain}, {@code x-arr-clientcert}, {@code x-ssl-client-cert},
     * {@code ssl-client-cert}, the default signature header {@code x-mtls-proxy-signature}, Traefik's
     * {@code x-forwarded-tls-client-cert(-info)}, App Service's {@code x-ms-client-principal(-*)}, and every
     * {@code x-client-*}, {@code x-ssl-client-*} and {@code x-amzn-mtls-clientcert*} name. Case-insensitive.
     * A route's own signature header name is added by {@link #strips(String)}.
     */
    public static boolean isIdentityHeader(String lowerCaseName) {
        String name = hasUpperCase(lowerCaseName) ? lowerCaseName.toLowerCase(Locale.ROOT) : lowerCaseName;
        if (IDENTITY_HEADERS.contains(name)) {
            return true;
        }
        for (String prefix : IDENTITY_PREFIXES) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** HTTP/2 names are lower-case already; HTTP/1.1 ones need folding only when they hold an upper-case letter. */
    private static boolean hasUpperCase(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return true;
            }
        }
        return false;
    }

    /** {@link #isIdentityHeader(String)}, plus this route's signature header. */
    public boolean strips(String lowerCaseName) {
        return isIdentityHeader(lowerCaseName) || (signatureHeader != null && signatureHeader.equalsIgnoreCase(lowerCaseName));
    }

    /** The signature header this route writes, or null when it does not sign. */
    public String signatureHeader() {
        return signatureHeader;
    }

    /**
     * The headers to set on the upstream request, in order, signature last.
     *
     * @param trustedIncomingXfcc the XFCC received from a trusted proxy (ingress mode) or null; used by
     *     {@code forward-only} and {@code append}, and only when it parses as XFCC and is within
     *     {@link ForwardedCertificates#MAX_CHAIN_HEADER} (the ingress side refuses such a request before)
     * @param entraDeviceId verified Entra device id, or null
     * @param method request method, bound into the signature
     * @param pathAndQuery request target as sent upstream, bound into the signature so it cannot be replayed
     *     on another request
     * @param now the signature's time
     */
    public List<Header> headersFor(ClientIdentity identity, String entraDeviceId, String trustedIncomingXfcc,
            String method, String pathAndQuery, Instant now) {
        return prepare(identity, entraDeviceId).headersFor(trustedIncomingXfcc, method, pathAndQuery, now);
    }

    /**
     * Everything about one identity that does not change between its requests, encoded once: a proxy keeps
     * it with the connection (the identity is pinned to it) and calls {@link Prepared#headersFor} per
     * request, which then only joins a trusted XFCC and signs.
     */
    public Prepared prepare(ClientIdentity identity, String entraDeviceId) {
        Objects.requireNonNull(identity, "identity");
        String element = null;
        if (config.xfcc() == XfccMode.SET || config.xfcc() == XfccMode.APPEND) {
            XfccElement ours = element(identity);
            // an element can come out empty (only By without a URI, only DNS without DNS names): send none
            element = ours.pairs().isEmpty() ? null : ours.encode();
        }
        List<Header> rest = new ArrayList<>(7);
        if (config.clientCert()) {
            rest.add(new Header(CLIENT_CERT, StructuredFields.binary(CertificateText.encoded(identity.leaf()))));
            if (config.clientCertChain() && identity.chain().size() > 1) {
                List<byte[]> intermediates = new ArrayList<>(identity.chain().size() - 1);
                for (X509Certificate cert : identity.chain().subList(1, identity.chain().size())) {
                    intermediates.add(CertificateText.encoded(cert));
                }
                rest.add(new Header(CLIENT_CERT_CHAIN, StructuredFields.binaryList(intermediates)));
            }
        }
        if (config.simple()) {
            rest.add(new Header(SUBJECT, PercentEncoding.headerSafe(identity.subject().toString())));
            rest.add(new Header(ISSUER, PercentEncoding.headerSafe(identity.issuer().toString())));
            rest.add(new Header(SHA256, identity.sha256()));
            rest.add(new Header(SERIAL, identity.serial()));
            if (entraDeviceId != null) {
                rest.add(new Header(DEVICE_ID, PercentEncoding.headerSafe(entraDeviceId)));
            }
        }
        return new Prepared(element, List.copyOf(rest));
    }

    /** One identity's headers for this route, ready to be completed per request. Immutable. */
    public final class Prepared {
        private final String element;
        private final List<Header> rest;

        private Prepared(String element, List<Header> rest) {
            this.element = element;
            this.rest = rest;
        }

        /** As {@link IdentityHeaders#headersFor}, for the prepared identity. */
        public List<Header> headersFor(String trustedIncomingXfcc, String method, String pathAndQuery, Instant now) {
            List<Header> headers = new ArrayList<>(rest.size() + 2);
            String xfcc = xfccValue(element, usableXfcc(trustedIncomingXfcc));
            if (xfcc != null) {
                headers.add(new Header(XFCC, xfcc));
            }
            headers.addAll(rest);
            if (signature != null) {
                long t = now.getEpochSecond();
                byte[] mac = signature.mac(IdentitySignature.input(t, method, pathAndQuery, headers));
                StringBuilder value = new StringBuilder(96).append("t=").append(t).append(";h=");
                for (int i = 0; i < headers.size(); i++) {
                    value.append(i == 0 ? "" : ",").append(headers.get(i).name());
                }
                headers.add(new Header(signatureHeader, value.append(";v1=").append(IdentitySignature.encode(mac)).toString()));
            }
            return List.copyOf(headers);
        }
    }

    private String xfccValue(String element, String incoming) {
        return switch (config.xfcc()) {
            case SANITIZE -> null;
            case FORWARD_ONLY -> incoming;
            case SET -> element;
            case APPEND -> incoming == null ? element : element == null ? incoming : incoming + "," + element;
        };
    }

    private static String usableXfcc(String incoming) {
        if (incoming == null || incoming.length() > ForwardedCertificates.MAX_CHAIN_HEADER) {
            return null;
        }
        try {
            Xfcc.parse(incoming);
            return incoming.strip();
        } catch (ForwardedCertificateException e) {
            return null;
        }
    }

    /** This gateway's XFCC element for an identity, with the configured keys in Envoy's order. */
    public XfccElement element(ClientIdentity identity) {
        List<XfccElement.Pair> pairs = new ArrayList<>(8);
        if (byUri != null && config.xfccIncludes("By")) {
            pairs.add(new XfccElement.Pair("By", byUri));
        }
        if (config.xfccIncludes("Hash")) {
            pairs.add(new XfccElement.Pair("Hash", identity.sha256()));
        }
        if (config.xfccIncludes("Cert")) {
            pairs.add(new XfccElement.Pair("Cert", PercentEncoding.encodeComponent(CertificateText.pem(identity.leaf()))));
        }
        if (config.xfccIncludes("Chain")) {
            StringBuilder pem = new StringBuilder();
            for (X509Certificate cert : identity.chain()) {
                pem.append(CertificateText.pem(cert));
            }
            pairs.add(new XfccElement.Pair("Chain", PercentEncoding.encodeComponent(pem.toString())));
        }
        if (config.xfccIncludes("Subject")) {
            pairs.add(new XfccElement.Pair("Subject", asciiDn(identity.subject().toString())));
        }
        if (config.xfccIncludes("URI")) {
            if (identity.subjectAltNames().uris().isEmpty()) {
                pairs.add(new XfccElement.Pair("URI", ""));
            }
            for (String uri : identity.subjectAltNames().uris()) {
                pairs.add(new XfccElement.Pair("URI", uriLike(uri)));
            }
        }
        if (config.xfccIncludes("DNS")) {
            for (String dns : identity.subjectAltNames().dns()) {
                pairs.add(new XfccElement.Pair("DNS", uriLike(dns)));
            }
        }
        return new XfccElement(pairs);
    }

    /**
     * An RFC 2253 DN kept to printable ASCII without quotes or escaped backslashes: RFC 4514 allows any
     * character as a {@code \XX} escape of its UTF-8 bytes, so the DN is the same, and an XFCC reader that
     * only knows {@code \"} cannot be confused.
     */
    static String asciiDn(String rfc2253) {
        StringBuilder out = new StringBuilder(rfc2253.length() + 8);
        for (int i = 0; i < rfc2253.length(); i++) {
            char c = rfc2253.charAt(i);
            if (c == '\\' && i + 1 < rfc2253.length()) {
                char next = rfc2253.charAt(i + 1);
                if (next == '"' || next == '\\') {
                    hexEscape(out, String.valueOf(next));
                    i++;
                    continue;
                }
                if (next >= 0x20 && next < 0x7f) {
                    out.append(c).append(next);
                    i++;
                    continue;
                }
                continue; // a backslash before a character about to be hex-escaped adds nothing
            }
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
                int end = Character.isHighSurrogate(c) && i + 1 < rfc2253.length()
                        && Character.isLowSurrogate(rfc2253.charAt(i + 1)) ? i + 2 : i + 1;
                hexEscape(out, rfc2253.substring(i, end));
                i = end - 1;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void hexEscape(StringBuilder out, String text) {
        // spaces right before a hex escape become escapes too: the JDK's DN reader drops them otherwise
        int spaces = 0;
        while (spaces < out.length() && out.charAt(out.length() - 1 - spaces) == ' ') {
            spaces++;
        }
        if (spaces > 0 && out.length() > spaces) {
            out.setLength(out.length() - spaces);
            out.append("\\20".repeat(spaces));
        }
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            out.append('\\').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                    .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
        }
    }

    /** A URI or DNS name with the characters no URI may contain percent-encoded; a valid URI is unchanged. */
    static String uriLike(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isUriChar(c)) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            int end = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1)) ? i + 2 : i + 1;
            for (byte b : text.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
            i = end - 1;
        }
        return out == null ? text : out.toString();
    }

    /** RFC 3986 unreserved, reserved and '%'. */
    private static boolean isUriChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || "-._~:/?#[]@!$&'()*+,;=%".indexOf(c) >= 0;
    }

    /** One header to set: a lower-case name and a value that is safe on the wire (no CR, LF or controls). */
    public record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }
}
