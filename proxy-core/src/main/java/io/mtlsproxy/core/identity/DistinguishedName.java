package io.mtlsproxy.core.identity;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * A distinguished name with its RFC 2253 text (for people and logs), its canonical form (for
 * comparison: case and spacing folded as RFC 4514 matching asks) and its attributes in order.
 */
public final class DistinguishedName {
    private final X500Principal principal;
    private final String rfc2253;
    private final String canonical;
    private final List<Rdn> rdns;

    private DistinguishedName(X500Principal principal) {
        this.principal = principal;
        this.rfc2253 = principal.getName(X500Principal.RFC2253);
        this.canonical = principal.getName(X500Principal.CANONICAL);
        try {
            List<Rdn> parsed = new ArrayList<>(new LdapName(rfc2253).getRdns());
            Collections.reverse(parsed); // LdapName lists the most significant RDN first
            this.rdns = List.copyOf(parsed);
        } catch (InvalidNameException e) {
            throw new IllegalArgumentException("unparsable distinguished name: " + rfc2253, e);
        }
    }

    public static DistinguishedName of(X500Principal principal) {
        return new DistinguishedName(principal);
    }

    /**
     * Parses a DN as written in config (RFC 4514 / RFC 2253 text, e.g. {@code CN=kiosk-1,O=Contoso}).
     *
     * @throws IllegalArgumentException when the text is not a DN
     */
    public static DistinguishedName parse(String text) {
        return new DistinguishedName(new X500Principal(text));
    }

    public X500Principal principal() {
        return principal;
    }

    /** The canonical form (RFC 2253 with case and whitespace folded): the form to compare. */
    public String canonical() {
        return canonical;
    }

    /** Values of one attribute type (e.g. "CN", "OU"), in the order they appear in the DN text. */
    public List<String> values(String type) {
        List<String> values = new ArrayList<>(2);
        for (Rdn rdn : rdns) {
            if (rdn.getType().equalsIgnoreCase(type)) {
                values.add(String.valueOf(rdn.getValue()));
            }
        }
        return values;
    }

    /**
     * The most specific common name, as devices put their id there: the first CN of the RFC 2253
     * text (the last one in the certificate's DER order), e.g. {@code PC01} for
     * {@code CN=PC01,CN=Computers,DC=contoso,DC=com}.
     */
    public Optional<String> commonName() {
        List<String> cns = values("CN");
        return cns.isEmpty() ? Optional.empty() : Optional.of(cns.get(0));
    }

    public boolean sameAs(DistinguishedName other) {
        return canonical.equals(other.canonical);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DistinguishedName other && canonical.equals(other.canonical);
    }

    @Override
    public int hashCode() {
        return canonical.hashCode();
    }

    /** RFC 2253 text. */
    @Override
    public String toString() {
        return rfc2253;
    }

    static String fold(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
