package io.mtlsproxy.policy.rules;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * At least one member must pass. {@link #check} stops at the first pass; {@link #explain} runs
 * every member. When none passes, the reason is the members' common reason when they agree (e.g.
 * {@code weak_key} for two key-size alternatives) and {@code rule_mismatch} otherwise.
 */
public final class AnyOf extends CompositeCheck {
    public static final String NAME = "anyOf";

    /** @throws IllegalArgumentException without members: an empty any-of could never pass */
    public AnyOf(List<? extends CertificateCheck> members) {
        this(NAME, members);
    }

    public AnyOf(String name, List<? extends CertificateCheck> members) {
        super(name, members);
        if (members.isEmpty()) {
            throw new IllegalArgumentException("anyOf needs at least one member");
        }
    }

    @Override
    CheckResult run(ClientIdentity identity, CheckContext context, boolean everyMember) {
        List<CheckResult> results = new ArrayList<>(members.size());
        StringJoiner matched = new StringJoiner(", ", "matched: ", "");
        boolean passed = false;
        RejectReason common = null;
        boolean agree = true;
        for (CertificateCheck member : members) {
            CheckResult result = runMember(member, identity, context, everyMember);
            results.add(result);
            if (result.passed()) {
                passed = true;
                matched.add(result.check());
                if (!everyMember) {
                    break;
                }
            } else {
                agree &= common == null || common == result.reason();
                common = result.reason();
            }
        }
        if (passed) {
            return CheckResult.composite(name(), null, matched.toString(), results);
        }
        RejectReason reason = agree ? common : RejectReason.RULE_MISMATCH;
        return CheckResult.composite(name(), reason, "none of " + members.size() + " matched", results);
    }
}
