package io.mtlsproxy.policy.rules;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;

/**
 * The presented chain may hold at most {@code max} certificates, leaf included; a root the device
 * sends along is the anchor's copy and does not count.
 */
public final class ChainDepthCheck implements CertificateCheck {
    public static final String NAME = "chain-depth";

    private final String name;
    private final int max;
    private final CheckResult passed;

    /**
     * @param name {@value #NAME} for the baseline, {@code maxChainDepth} in a named policy
     * @throws IllegalArgumentException when max is below 1
     */
    public ChainDepthCheck(String name, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("a chain holds at least the leaf: the depth must be at least 1");
        }
        this.name = name;
        this.max = max;
        this.passed = new CheckResult(name, true, null, "at most " + max + " certificates");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        int depth = Chains.belowAnchor(identity.chain());
        if (depth > max) {
            return CheckResult.fail(name, RejectReason.CHAIN_TOO_LONG,
                    depth + " certificates below the anchor, at most " + max + " allowed");
        }
        return passed;
    }

    @Override
    public String toString() {
        return name + "[" + max + "]";
    }
}
