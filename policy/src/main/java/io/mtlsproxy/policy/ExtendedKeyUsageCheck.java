package io.mtlsproxy.policy;

import io.mtlsproxy.core.identity.ClientIdentity;
import java.security.cert.CertificateParsingException;
import java.util.List;

/**
 * The leaf must be meant for TLS client authentication: extended key usage clientAuth
 * (1.3.6.1.5.5.7.3.2) or anyExtendedKeyUsage (2.5.29.37.0).
 *
 * <p>A leaf with no EKU extension at all is refused too. RFC 5280 would read a missing extension
 * as "any purpose", but the check exists ({@code policy.requireClientAuthEku}, on by default) to
 * stop a server certificate or a code-signing certificate from the same CA being used as a
 * device identity, and a purpose-less certificate says nothing either way. Fleets whose devices
 * carry no EKU (some of the origin's clients) turn the setting off.
 */
public final class ExtendedKeyUsageCheck implements CertificateCheck {
    public static final String NAME = "client-auth-eku";
    public static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    public static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

    private static final CheckResult PASSED = CheckResult.pass(NAME);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        List<String> usages;
        try {
            usages = identity.leaf().getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            return CheckResult.fail(NAME, RejectReason.BAD_CERTIFICATE, "unreadable extended key usage: " + e.getMessage());
        }
        if (usages == null) {
            return CheckResult.fail(NAME, RejectReason.WRONG_KEY_USAGE,
                    "no extended key usage extension (policy.requireClientAuthEku is on)");
        }
        if (usages.contains(CLIENT_AUTH) || usages.contains(ANY_EXTENDED_KEY_USAGE)) {
            return PASSED;
        }
        return CheckResult.fail(NAME, RejectReason.WRONG_KEY_USAGE,
                "extended key usage " + usages + " lacks clientAuth (" + CLIENT_AUTH + ")");
    }
}
