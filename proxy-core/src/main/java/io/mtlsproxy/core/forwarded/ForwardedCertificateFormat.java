package io.mtlsproxy.core.forwarded;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How a trusted ingress forwards the client certificate it received, in a request header.
 */
public enum ForwardedCertificateFormat {
    /**
     * Azure App Service: {@code X-ARR-ClientCert} holds the leaf's DER as base64 on one line (Microsoft's
     * samples decode it with {@code Convert.FromBase64String}); no chain.
     */
    ARR_CLIENT_CERT("arr", "x-arr-clientcert"),
    /**
     * Envoy (and Azure Container Apps, Istio): {@code X-Forwarded-Client-Cert}. The last element is the one
     * the nearest (trusted) proxy added: its {@code Cert=} (URL-encoded PEM) is the leaf, its {@code Chain=}
     * (URL-encoded PEM, leaf first) the chain when present.
     */
    XFCC("xfcc", "x-forwarded-client-cert"),
    /** nginx {@code $ssl_client_escaped_cert}: the leaf's PEM, URL-encoded; the header name is the operator's. */
    ESCAPED_PEM("escaped-pem", "x-ssl-client-cert"),
    /**
     * RFC 9440: {@code Client-Cert} is the leaf's DER as an sf-binary ({@code :base64:}), the optional
     * {@code Client-Cert-Chain} an sf-list of sf-binary (the intermediates, leaf excluded).
     */
    CLIENT_CERT("client-cert", "client-cert");

    private final String configName;
    private final String defaultHeader;

    ForwardedCertificateFormat(String configName, String defaultHeader) {
        this.configName = configName;
        this.defaultHeader = defaultHeader;
    }

    @JsonValue
    public String configName() {
        return configName;
    }

    /** @throws IllegalArgumentException naming the choices */
    @JsonCreator
    public static ForwardedCertificateFormat fromConfigName(String name) {
        String text = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        for (ForwardedCertificateFormat format : values()) {
            if (format.configName.equals(text)) {
                return format;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not one of arr, xfcc, escaped-pem, client-cert");
    }

    /** The header the ingress uses unless configured otherwise, lower-case. */
    public String defaultHeader() {
        return defaultHeader;
    }

    /** The header carrying the chain ({@code client-cert-chain} for RFC 9440), or null when the format has none. */
    public String chainHeader() {
        return this == CLIENT_CERT ? "client-cert-chain" : null;
    }
}
