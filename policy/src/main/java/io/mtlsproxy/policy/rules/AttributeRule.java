package io.mtlsproxy.policy.rules;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.Glob;
import io.mtlsproxy.policy.RejectReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One attribute of the leaf's subject must match one of the patterns (exact or '*' / '?'), compared
 * as RFC 4514 does for these attributes: case and spacing folded.
 *
 * <ul>
 *   <li>{@code cn}: the most specific common name, the one devices put their id in (the first CN of
 *       the RFC 2253 text, see {@code DistinguishedName.commonName()}).
 *   <li>{@code ou}: any of the subject's organizational units.
 * </ul>
 */
public final class AttributeRule implements CertificateCheck {
    public static final String CN = "cn";
    public static final String OU = "ou";

    private final String name;
    private final List<String> written;
    private final List<Glob> globs;
    private final List<CheckResult> passes;

    private AttributeRule(String name, List<String> patterns) {
        this.name = name;
        this.written = Patterns.nonEmpty(name, patterns);
        List<Glob> globs = new ArrayList<>();
        List<CheckResult> passes = new ArrayList<>();
        for (String pattern : written) {
            globs.add(Glob.compile(Patterns.foldValue(pattern), Glob.Mode.EXACT));
            passes.add(new CheckResult(name, true, null, "matches '" + pattern + "'"));
        }
        this.globs = List.copyOf(globs);
        this.passes = List.copyOf(passes);
    }

    public static AttributeRule commonName(List<String> patterns) {
        return new AttributeRule(CN, patterns);
    }

    public static AttributeRule organizationalUnit(List<String> patterns) {
        return new AttributeRule(OU, patterns);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        List<String> values = CN.equals(name)
                ? identity.subject().commonName().map(List::of).orElse(List.of())
                : identity.subject().values("OU");
        for (String value : values) {
            String folded = Patterns.foldValue(value);
            for (int i = 0; i < globs.size(); i++) {
                if (globs.get(i).matches(folded)) {
                    return passes.get(i);
                }
            }
        }
        String found = values.isEmpty() ? "the subject has no " + name.toUpperCase(Locale.ROOT)
                : name.toUpperCase(Locale.ROOT) + " " + Patterns.quoted(values);
        return CheckResult.fail(name, RejectReason.RULE_MISMATCH, found + " matches none of " + Patterns.quoted(written));
    }

    @Override
    public String toString() {
        return name + Patterns.quoted(written);
    }
}
