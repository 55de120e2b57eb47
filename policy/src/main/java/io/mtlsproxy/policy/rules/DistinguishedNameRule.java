package io.mtlsproxy.policy.rules;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.DistinguishedName;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.Glob;
import io.mtlsproxy.policy.RejectReason;
import java.util.ArrayList;
import java.util.List;

/**
 * The leaf's subject or issuer DN must match one of the patterns: exact or with '*' / '?' inside
 * attribute values. Both sides are compared in canonical form (RFC 4514 matching: attribute
 * keywords, case and spacing folded), never as written, so {@code cn=Kiosk-1, o=contoso} is
 * {@code CN=kiosk-1,O=Contoso}; a wildcard never crosses into the next attribute, so
 * {@code CN=kiosk-*,O=Contoso} does not match {@code CN=kiosk-1,O=Evil,O=Contoso}.
 */
public final class DistinguishedNameRule implements CertificateCheck {
    public static final String SUBJECT = "subject";
    public static final String ISSUER = "issuer";

    private final String name;
    private final boolean subject;
    private final List<String> written;
    private final List<Glob> globs;
    private final List<CheckResult> passes;

    private DistinguishedNameRule(String name, boolean subject, List<String> patterns) {
        this.name = name;
        this.subject = subject;
        this.written = Patterns.nonEmpty(name, patterns);
        List<Glob> globs = new ArrayList<>();
        List<CheckResult> passes = new ArrayList<>();
        for (String pattern : written) {
            globs.add(Glob.distinguishedName(pattern));
            passes.add(new CheckResult(name, true, null, "matches '" + pattern + "'"));
        }
        this.globs = List.copyOf(globs);
        this.passes = List.copyOf(passes);
    }

    /** @throws IllegalArgumentException naming a pattern that is not a DN */
    public static DistinguishedNameRule subject(List<String> patterns) {
        return new DistinguishedNameRule(SUBJECT, true, patterns);
    }

    /** @throws IllegalArgumentException naming a pattern that is not a DN */
    public static DistinguishedNameRule issuer(List<String> patterns) {
        return new DistinguishedNameRule(ISSUER, false, patterns);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        DistinguishedName dn = subject ? identity.subject() : identity.issuer();
        String canonical = dn.canonical();
        for (int i = 0; i < globs.size(); i++) {
            if (globs.get(i).matches(canonical)) {
                return passes.get(i);
            }
        }
        return CheckResult.fail(name, RejectReason.RULE_MISMATCH,
                name + " '" + dn + "' matches none of " + Patterns.quoted(written));
    }

    @Override
    public String toString() {
        return name + Patterns.quoted(written);
    }
}
