package io.mtlsproxy.policy.rules;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.util.List;
import java.util.Objects;

/** What {@link AllOf} and {@link AnyOf} share: named members, run safely, results kept for explain. */
abstract sealed class CompositeCheck implements CertificateCheck permits AllOf, AnyOf {
    private final String name;
    final List<CertificateCheck> members;

    CompositeCheck(String name, List<? extends CertificateCheck> members) {
        this.name = Objects.requireNonNull(name, "name");
        this.members = List.copyOf(members);
    }

    @Override
    public final String name() {
        return name;
    }

    /** The members, in order. */
    public final List<CertificateCheck> members() {
        return members;
    }

    @Override
    public final CheckResult check(ClientIdentity identity, CheckContext context) {
        return run(identity, context, false);
    }

    @Override
    public final CheckResult explain(ClientIdentity identity, CheckContext context) {
        return run(identity, context, true);
    }

    /** @param everyMember run every member even after the outcome is known (explain) */
    abstract CheckResult run(ClientIdentity identity, CheckContext context, boolean everyMember);

    /** A member that throws refuses, as in {@code ClientCertificatePolicy}: fail closed. */
    static CheckResult runMember(CertificateCheck member, ClientIdentity identity, CheckContext context, boolean explain) {
        try {
            return explain ? member.explain(identity, context) : member.check(identity, context);
        } catch (RuntimeException e) {
            return CheckResult.fail(member.name(), RejectReason.BAD_CERTIFICATE, "check failed: " + e);
        }
    }

    @Override
    public String toString() {
        return name + members.stream().map(CertificateCheck::toString).toList();
    }
}
