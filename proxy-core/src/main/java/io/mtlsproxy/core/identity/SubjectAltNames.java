package io.mtlsproxy.core.identity;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The subject alternative names of a certificate, by kind. */
public record SubjectAltNames(List<String> dns, List<String> uris, List<String> emails, List<String> ips) {
    public static final SubjectAltNames NONE = new SubjectAltNames(List.of(), List.of(), List.of(), List.of());

    private static final int RFC822 = 1;
    private static final int DNS = 2;
    private static final int URI = 6;
    private static final int IP = 7;

    public SubjectAltNames {
        dns = List.copyOf(dns);
        uris = List.copyOf(uris);
        emails = List.copyOf(emails);
        ips = List.copyOf(ips);
    }

    public static SubjectAltNames of(X509Certificate cert) throws CertificateParsingException {
        Collection<List<?>> entries = cert.getSubjectAlternativeNames();
        if (entries == null) {
            return NONE;
        }
        List<String> dns = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        List<String> emails = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        for (List<?> entry : entries) {
            int type = (Integer) entry.get(0);
            Object value = entry.get(1);
            if (!(value instanceof String text)) {
                continue; // otherName and friends arrive as DER; no rule reads them yet
            }
            switch (type) {
                case DNS -> dns.add(text);
                case URI -> uris.add(text);
                case RFC822 -> emails.add(text);
                case IP -> ips.add(text);
                default -> { }
            }
        }
        return new SubjectAltNames(dns, uris, emails, ips);
    }

    public boolean isEmpty() {
        return dns.isEmpty() && uris.isEmpty() && emails.isEmpty() && ips.isEmpty();
    }
}
