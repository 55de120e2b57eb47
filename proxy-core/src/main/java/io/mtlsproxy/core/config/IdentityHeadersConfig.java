package io.mtlsproxy.core.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Which identity headers a proxy route sets on the request to its upstream. Incoming copies of every
 * identity header are removed first, always (see {@code io.mtlsproxy.core.forwarded.IdentityHeaders}).
 *
 * @param xfcc what happens to {@code x-forwarded-client-cert}: {@code sanitize} (default: none is sent),
 *     {@code forward-only}, {@code append} or {@code set}, as Envoy's {@code forward_client_cert_details}
 * @param xfccFields the keys of this gateway's XFCC element (for {@code append} and {@code set}), any of
 *     {@code Hash, Cert, Chain, Subject, URI, DNS, By}; default {@code [Hash, Subject, URI, DNS]}. They are
 *     written in Envoy's order (By, Hash, Cert, Chain, Subject, URI, DNS) whatever the order here
 * @param clientCert send RFC 9440 {@code client-cert} (the leaf, DER, as an sf-binary); default false
 * @param clientCertChain send RFC 9440 {@code client-cert-chain} (the presented intermediates, leaf
 *     excluded); default false; needs {@code clientCert}
 * @param simple send {@code x-client-subject}, {@code x-client-issuer}, {@code x-client-sha256},
 *     {@code x-client-serial} and, for an Entra-verified device, {@code x-client-device-id}; default true
 * @param signing sign the identity headers set (HMAC-SHA256, timestamped); none (the default) means unsigned
 */
public record IdentityHeadersConfig(
        XfccMode xfcc,
        List<String> xfccFields,
        Boolean clientCert,
        Boolean clientCertChain,
        Boolean simple,
        SigningConfig signing) {

    /** The XFCC keys, in the order Envoy writes them. */
    public static final List<String> XFCC_FIELDS = List.of("By", "Hash", "Cert", "Chain", "Subject", "URI", "DNS");
    public static final List<String> DEFAULT_XFCC_FIELDS = List.of("Hash", "Subject", "URI", "DNS");

    public IdentityHeadersConfig {
        xfcc = Objects.requireNonNullElse(xfcc, XfccMode.SANITIZE);
        xfccFields = xfccFields == null ? DEFAULT_XFCC_FIELDS : canonicalFields(xfccFields);
        clientCert = Objects.requireNonNullElse(clientCert, false);
        clientCertChain = Objects.requireNonNullElse(clientCertChain, false);
        simple = Objects.requireNonNullElse(simple, true);
    }

    public static IdentityHeadersConfig defaults() {
        return new IdentityHeadersConfig(null, null, null, null, null, null);
    }

    /** Whether the XFCC element of this gateway carries a key (one of {@link #XFCC_FIELDS}). */
    public boolean xfccIncludes(String field) {
        return xfccFields.contains(field);
    }

    /**
     * Contradictory settings, each naming its setting under {@code setting} (e.g.
     * {@code proxy.routes[0].identityHeaders}); empty when the section is usable. For ConfigValidator.
     */
    public List<String> problems(String setting) {
        List<String> problems = new ArrayList<>();
        if (clientCertChain && !clientCert) {
            problems.add(setting + ".clientCertChain: needs clientCert: true (RFC 9440 sends the chain only with the leaf)");
        }
        if ((xfcc == XfccMode.SET || xfcc == XfccMode.APPEND) && xfccFields.isEmpty()) {
            problems.add(setting + ".xfccFields: is empty, so xfcc: " + xfcc.configName()
                    + " would send an empty element; name fields or use xfcc: sanitize");
        }
        if (signing != null) {
            if (signing.keyFile() == null || signing.keyFile().isBlank()) {
                problems.add(setting + ".signing.keyFile: is required when signing is set");
            }
            if (!isToken(signing.header())) {
                problems.add(setting + ".signing.header: '" + signing.header() + "' is not a header name");
            } else if (RESERVED_SIGNATURE_HEADERS.contains(signing.header())) {
                problems.add(setting + ".signing.header: '" + signing.header()
                        + "' is already an identity or protocol header; choose another name");
            }
        }
        if (!clientCert && !clientCertChain && !simple && xfcc == XfccMode.SANITIZE && signing != null) {
            problems.add(setting + ".signing: no identity header is set (xfcc: sanitize, clientCert, simple all off), "
                    + "so there is nothing to sign");
        }
        return problems;
    }

    private static final Set<String> RESERVED_SIGNATURE_HEADERS = Set.of(
            "x-forwarded-client-cert", "client-cert", "client-cert-chain", "x-arr-clientcert", "x-ssl-client-cert",
            "host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer",
            "keep-alive", "proxy-connection", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
            "x-request-id", "authorization", "cookie");

    private static List<String> canonicalFields(List<String> fields) {
        Set<String> canonical = new LinkedHashSet<>();
        for (String field : fields) {
            String match = null;
            for (String known : XFCC_FIELDS) {
                if (field != null && known.equalsIgnoreCase(field.strip())) {
                    match = known;
                }
            }
            if (match == null) {
                throw new IllegalArgumentException("xfccFields: '" + field + "' is not one of " + String.join(", ", XFCC_FIELDS));
            }
            if (!canonical.add(match)) {
                throw new IllegalArgumentException("xfccFields: '" + match + "' is listed twice");
            }
        }
        return List.copyOf(canonical);
    }

    private static boolean isToken(String name) {
        if (name == null || name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return name.equals(name.toLowerCase(Locale.ROOT));
    }
}
