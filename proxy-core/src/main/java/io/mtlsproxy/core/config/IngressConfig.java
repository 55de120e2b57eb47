package io.mtlsproxy.core.config;

import io.mtlsproxy.core.forwarded.ForwardedCertificateFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The behind-ingress listener: for deployments where an ingress (App Service, Container Apps,
 * Envoy, nginx) terminates the device's TLS and forwards its certificate in a header, as the
 * Azure Function this gateway replaces was deployed. The listener asks for no client certificate;
 * each request names its device by the forwarded certificate, which is believed only from
 * {@code trustedProxies}, parsed strictly, and then validated by the same policy, access rules and
 * routes as a certificate presented in a handshake on the device listener.
 *
 * @param enabled serve the behind-ingress listener; off by default
 * @param bind address to bind, 0.0.0.0 by default
 * @param port TCP port, 8080 by default
 * @param tls {@code off} (plain HTTP, for an ingress on a private network) or {@code server}
 *     (TLS with the gateway's certificate from {@code tls}, no client certificate asked); default off
 * @param trustedProxies CIDRs of the ingresses whose certificate headers are believed; required. The
 *     same headers from any other address are refused (403) and logged
 * @param formats the header formats read: {@code arr} (X-ARR-ClientCert), {@code xfcc}
 *     (X-Forwarded-Client-Cert), {@code escaped-pem} (nginx's $ssl_client_escaped_cert in
 *     {@code escapedPemHeader}), {@code client-cert} (RFC 9440); default all four
 * @param escapedPemHeader the header nginx is told to put {@code $ssl_client_escaped_cert} in; default X-SSL-Client-Cert
 * @param maxHeaderSize larger header blocks get 431; default 64 KiB, since a forwarded chain (an XFCC
 *     {@code Chain=}) can be that large, where the device listener's 8 KiB holds no certificate at all
 */
public record IngressConfig(
        Boolean enabled,
        String bind,
        Integer port,
        IngressTls tls,
        List<String> trustedProxies,
        List<ForwardedCertificateFormat> formats,
        String escapedPemHeader,
        Integer maxHeaderSize) {

    /** TLS on the behind-ingress listener: never client authentication, which the ingress did. */
    public enum IngressTls {
        OFF, SERVER;

        /** YAML reads an unquoted {@code off} as false. */
        @com.fasterxml.jackson.annotation.JsonCreator
        public static IngressTls of(Object value) {
            return OffSwitch.parse(IngressTls.class, OFF, value);
        }
    }

    public IngressConfig {
        enabled = Objects.requireNonNullElse(enabled, false);
        bind = Objects.requireNonNullElse(bind, "0.0.0.0");
        port = Objects.requireNonNullElse(port, 8080);
        tls = Objects.requireNonNullElse(tls, IngressTls.OFF);
        trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
        formats = formats == null ? List.of(ForwardedCertificateFormat.values()) : java.util.Collections.unmodifiableList(
                new java.util.ArrayList<>(formats)); // a null entry is reported by the validator, not thrown here
        escapedPemHeader = Objects.requireNonNullElse(escapedPemHeader, "x-ssl-client-cert").strip().toLowerCase(Locale.ROOT);
        maxHeaderSize = Objects.requireNonNullElse(maxHeaderSize, 65536);
    }

    public static IngressConfig disabled() {
        return new IngressConfig(null, null, null, null, null, null, null, null);
    }

    public IngressConfig withPort(int newPort) {
        return new IngressConfig(enabled, bind, newPort, tls, trustedProxies, formats, escapedPemHeader, maxHeaderSize);
    }
}
