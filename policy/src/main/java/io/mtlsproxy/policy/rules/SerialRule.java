package io.mtlsproxy.policy.rules;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The leaf's serial number must be one of the listed ones, written in hex as tools print it: any
 * case, leading zeros or not, optionally with ':' or spaces between bytes ({@code 0A:1B},
 * {@code 0a 1b}, {@code a1b} are one serial).
 */
public final class SerialRule implements CertificateCheck {
    public static final String NAME = "serial";

    private static final CheckResult PASSED = new CheckResult(NAME, true, null, "serial is listed");

    private final List<String> written;
    private final Set<String> serials;

    /** @throws IllegalArgumentException naming an entry that is not a hex serial */
    public SerialRule(List<String> serials) {
        this.written = Patterns.nonEmpty(NAME, serials);
        Set<String> normalized = new HashSet<>();
        for (String serial : written) {
            normalized.add(normalize(serial));
        }
        this.serials = Set.copyOf(normalized);
    }

    /** Lower-case hex without leading zeros, as {@code ClientIdentity.serial()} holds it. */
    static String normalize(String serial) {
        StringBuilder hex = new StringBuilder(serial.length());
        int digits = 0;
        for (int i = 0; i < serial.length(); i++) {
            char c = serial.charAt(i);
            if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
                digits++;
                if (hex.length() > 0 || c != '0') {
                    hex.append(Character.toLowerCase(c));
                }
            } else if (c != ':' && c != ' ') {
                throw new IllegalArgumentException("'" + serial + "' is not a serial number in hex (digits 0-9, a-f, "
                        + "optionally separated by ':' or spaces)");
            }
        }
        if (digits == 0) {
            throw new IllegalArgumentException("'" + serial + "' has no hex digit");
        }
        return hex.length() == 0 ? "0" : hex.toString();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        if (serials.contains(identity.serial())) {
            return PASSED;
        }
        return CheckResult.fail(NAME, RejectReason.RULE_MISMATCH,
                "serial " + identity.serial() + " is none of " + Patterns.quoted(written));
    }

    @Override
    public String toString() {
        return NAME + Patterns.quoted(written);
    }
}
