package io.mtlsproxy.policy.rules;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.Thumbprints;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The leaf's SHA-1 or SHA-256 thumbprint must be one of the listed ones, pasted in any notation
 * (case, ':' or spaces). Unlike {@code policy.allowedThumbprints} (reason {@code not_allowlisted}) a
 * mismatch here is a rule mismatch, so it can be an alternative in {@code anyOf}.
 */
public final class ThumbprintRule implements CertificateCheck {
    public static final String NAME = "thumbprint";

    private static final CheckResult PASSED = new CheckResult(NAME, true, null, "thumbprint is listed");

    private final Set<String> thumbprints;

    /** @throws IllegalArgumentException naming an entry that is not a SHA-1 or SHA-256 thumbprint */
    public ThumbprintRule(List<String> thumbprints) {
        Set<String> normalized = new HashSet<>();
        for (String thumbprint : Patterns.nonEmpty(NAME, thumbprints)) {
            normalized.add(Thumbprints.normalize(thumbprint).orElseThrow(() -> new IllegalArgumentException(
                    "'" + thumbprint + "' is not a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint")));
        }
        this.thumbprints = Set.copyOf(normalized);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        if (thumbprints.contains(identity.sha1()) || thumbprints.contains(identity.sha256())) {
            return PASSED;
        }
        return CheckResult.fail(NAME, RejectReason.RULE_MISMATCH, "thumbprint " + identity.sha1Upper()
                + " (SHA-256 " + identity.sha256() + ") is none of the " + thumbprints.size() + " listed");
    }

    @Override
    public String toString() {
        return NAME + thumbprints;
    }
}
