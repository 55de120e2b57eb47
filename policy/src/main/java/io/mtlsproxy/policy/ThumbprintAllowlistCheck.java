package io.mtlsproxy.policy;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.Thumbprints;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * The leaf's SHA-1 or SHA-256 thumbprint must be listed (the origin's TrustedThumbprints /
 * ALLOWED_CLIENT_CERTS). Thumbprints are accepted as operators paste them: any case, with colons
 * or spaces.
 */
public final class ThumbprintAllowlistCheck implements CertificateCheck {
    public static final String NAME = "thumbprint-allowlist";

    private static final CheckResult PASSED = CheckResult.pass(NAME);

    private final Set<String> thumbprints;

    /** @throws IllegalArgumentException when an entry is not a SHA-1 or SHA-256 thumbprint */
    public ThumbprintAllowlistCheck(Collection<String> thumbprints) {
        Set<String> normalized = new HashSet<>();
        for (String thumbprint : thumbprints) {
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
        return CheckResult.fail(NAME, RejectReason.NOT_ALLOWLISTED,
                "thumbprint " + identity.sha1Upper() + " (SHA-256 " + identity.sha256() + ") is not in policy.allowedThumbprints");
    }
}
