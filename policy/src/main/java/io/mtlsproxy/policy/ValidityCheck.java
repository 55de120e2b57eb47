package io.mtlsproxy.policy;

import io.mtlsproxy.core.identity.ClientIdentity;
import java.time.Instant;

/**
 * The leaf's validity period, widened by the clock skew on both sides. Always part of the policy,
 * as in the origin, and first, so an expired device is told {@code certificate_expired}.
 */
public final class ValidityCheck implements CertificateCheck {
    public static final String NAME = "validity";

    private static final CheckResult PASSED = CheckResult.pass(NAME);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        Instant now = context.now();
        if (now.isAfter(identity.notAfter().plus(context.clockSkew()))) {
            return CheckResult.fail(NAME, RejectReason.EXPIRED, "expired at " + identity.notAfter()
                    + " (now " + now + ", clock skew " + context.clockSkew() + ")");
        }
        if (now.isBefore(identity.notBefore().minus(context.clockSkew()))) {
            return CheckResult.fail(NAME, RejectReason.NOT_YET_VALID, "not valid before " + identity.notBefore()
                    + " (now " + now + ", clock skew " + context.clockSkew() + ")");
        }
        return PASSED;
    }
}
