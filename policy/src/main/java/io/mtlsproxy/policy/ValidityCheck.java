package io.mtlsproxy.policy;

import io.mtlsproxy.core.identity.ClientIdentity;
import java.time.Instant;

/**
 * The leaf's validity period, widened by the clock skew on both sides. Always part of the policy,
 * as in the origin, and first, so an expired device is told {@code certificate_expired}.
 *
 * <p>With {@code allowExpired} (policy.allowExpired, an emergency switch that is off by default) an
 * expired leaf passes, and the result says it passed only because of the switch; a leaf that is not
 * yet valid is still refused.
 */
public final class ValidityCheck implements CertificateCheck {
    public static final String NAME = "validity";

    private static final CheckResult PASSED = CheckResult.pass(NAME);

    private final boolean allowExpired;

    /** Expired certificates refused. */
    public ValidityCheck() {
        this(false);
    }

    /** @param allowExpired accept an expired leaf (policy.allowExpired); the caller logs loudly that it is on */
    public ValidityCheck(boolean allowExpired) {
        this.allowExpired = allowExpired;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        Instant now = context.now();
        if (now.isAfter(identity.notAfter().plus(context.clockSkew()))) {
            String expired = "expired at " + identity.notAfter() + " (now " + now + ", clock skew " + context.clockSkew() + ")";
            if (allowExpired) {
                return new CheckResult(NAME, true, null, "passed only because policy.allowExpired is on: " + expired);
            }
            return CheckResult.fail(NAME, RejectReason.EXPIRED, expired);
        }
        if (now.isBefore(identity.notBefore().minus(context.clockSkew()))) {
            return CheckResult.fail(NAME, RejectReason.NOT_YET_VALID, "not valid before " + identity.notBefore()
                    + " (now " + now + ", clock skew " + context.clockSkew() + ")");
        }
        return PASSED;
    }
}
