package io.mtlsproxy.policy;

import java.util.Objects;

/**
 * The outcome of one check.
 *
 * @param check the name of the check, e.g. {@code chain}
 * @param passed whether the certificate passed
 * @param reason why it failed; null when it passed
 * @param detail for operators and logs: may name certificates and internals, never shown to clients
 */
public record CheckResult(String check, boolean passed, RejectReason reason, String detail) {
    public CheckResult {
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(detail, "detail");
        if (passed != (reason == null)) {
            throw new IllegalArgumentException("a failed check needs a reason and a passed one has none");
        }
    }

    public static CheckResult pass(String check) {
        return new CheckResult(check, true, null, "ok");
    }

    public static CheckResult fail(String check, RejectReason reason, String detail) {
        return new CheckResult(check, false, Objects.requireNonNull(reason, "reason"), detail);
    }
}
