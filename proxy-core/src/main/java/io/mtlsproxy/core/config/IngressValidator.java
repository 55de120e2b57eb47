package io.mtlsproxy.core.config;

import io.mtlsproxy.core.forwarded.ForwardedCertificateFormat;
import io.mtlsproxy.core.net.Cidr;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks the behind-ingress listener's section. */
final class IngressValidator {
    private IngressValidator() {}

    static void validate(GatewayConfig config, List<String> problems) {
        IngressConfig ingress = config.ingress();
        if (!ingress.enabled()) {
            return;
        }
        if (ingress.port() < 0 || ingress.port() > 65535) {
            problems.add("ingress.port: " + ingress.port() + " is not a TCP port (0-65535; 0 picks a free one)");
        } else if (ingress.port() != 0 && (ingress.port().equals(config.listener().port())
                || config.admin().enabled() && ingress.port().equals(config.admin().port()))) {
            problems.add("ingress.port: " + ingress.port() + " is taken by listener.port or admin.port; "
                    + "the behind-ingress listener needs a port of its own");
        }
        if (ingress.bind().isBlank()) {
            problems.add("ingress.bind: empty address");
        }
        if (ingress.trustedProxies().isEmpty()) {
            problems.add("ingress.trustedProxies: list the ingresses (CIDRs) whose client-certificate headers are believed; "
                    + "without them every forwarded certificate would be refused");
        }
        for (int i = 0; i < ingress.trustedProxies().size(); i++) {
            try {
                Cidr.parse(ingress.trustedProxies().get(i));
            } catch (IllegalArgumentException e) {
                problems.add("ingress.trustedProxies[" + i + "]: " + e.getMessage());
            }
        }
        if (ingress.formats().isEmpty()) {
            problems.add("ingress.formats: empty; name the header formats to read (arr, xfcc, escaped-pem, client-cert)");
        }
        Set<ForwardedCertificateFormat> seen = new HashSet<>();
        for (int i = 0; i < ingress.formats().size(); i++) {
            ForwardedCertificateFormat format = ingress.formats().get(i);
            if (format == null) {
                problems.add("ingress.formats[" + i + "]: empty; use arr, xfcc, escaped-pem or client-cert");
            } else if (!seen.add(format)) {
                problems.add("ingress.formats[" + i + "]: '" + format.configName() + "' is listed twice");
            }
        }
        if (ingress.maxHeaderSize() < 4096 || ingress.maxHeaderSize() > 1 << 20) {
            problems.add("ingress.maxHeaderSize: " + ingress.maxHeaderSize() + " is outside 4096-1048576 (a forwarded "
                    + "certificate header alone takes up to 16 KiB)");
        }
        if (!isToken(ingress.escapedPemHeader())) {
            problems.add("ingress.escapedPemHeader: '" + ingress.escapedPemHeader() + "' is not a header name");
        }
    }

    /** An RFC 9110 token: what a header name may be. */
    private static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
