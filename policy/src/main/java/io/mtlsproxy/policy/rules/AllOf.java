package io.mtlsproxy.policy.rules;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * Every member must pass. {@link #check} stops at the first failure and takes its reason;
 * {@link #explain} runs every member. With no members it passes: a policy whose only rule is the
 * asynchronous {@code entraDevice} has nothing to check during the handshake.
 */
public final class AllOf extends CompositeCheck {
    public static final String NAME = "allOf";

    public AllOf(List<? extends CertificateCheck> members) {
        this(NAME, members);
    }

    /** @param name how results name it, e.g. {@code policies.kiosks} for a named policy's root */
    public AllOf(String name, List<? extends CertificateCheck> members) {
        super(name, members);
    }

    @Override
    CheckResult run(ClientIdentity identity, CheckContext context, boolean everyMember) {
        List<CheckResult> results = new ArrayList<>(members.size());
        CheckResult firstFailure = null;
        StringJoiner failed = new StringJoiner(", ", "failed: ", "");
        for (CertificateCheck member : members) {
            CheckResult result = runMember(member, identity, context, everyMember);
            results.add(result);
            if (!result.passed()) {
                failed.add(result.check());
                firstFailure = firstFailure == null ? result : firstFailure;
                if (!everyMember) {
                    break;
                }
            }
        }
        if (firstFailure != null) {
            return CheckResult.composite(name(), firstFailure.reason(), failed.toString(), results);
        }
        String detail = members.isEmpty() ? "no synchronous rule to check" : "all " + members.size() + " passed";
        return CheckResult.composite(name(), null, detail, results);
    }
}
