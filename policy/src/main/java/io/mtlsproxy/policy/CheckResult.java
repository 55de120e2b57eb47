package io.mtlsproxy.policy;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of one check.
 *
 * @param check the name of the check, e.g. {@code chain}
 * @param passed whether the certificate passed
 * @param reason why it failed; null when it passed
 * @param detail for operators and logs: may name certificates and internals, never shown to clients
 * @param retryAfter for a {@link RejectReason#isRetryable() retryable} failure, when to try again; otherwise null
 * @param children the results of a composite check's members (all-of / any-of), in their order, for
 *     {@code explain} and {@link Decision#describe()}; empty for a plain check
 */
public record CheckResult(String check, boolean passed, RejectReason reason, String detail, Duration retryAfter,
        List<CheckResult> children) {
    public CheckResult {
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(detail, "detail");
        children = children == null ? List.of() : List.copyOf(children);
        if (passed != (reason == null)) {
            throw new IllegalArgumentException("a failed check needs a reason and a passed one has none");
        }
        if (retryAfter != null && (reason == null || !reason.isRetryable())) {
            throw new IllegalArgumentException("only a retryable failure has a retry hint");
        }
    }

    public CheckResult(String check, boolean passed, RejectReason reason, String detail, Duration retryAfter) {
        this(check, passed, reason, detail, retryAfter, List.of());
    }

    public CheckResult(String check, boolean passed, RejectReason reason, String detail) {
        this(check, passed, reason, detail, null, List.of());
    }

    /** A composite's result: its own verdict over its members' results. */
    public static CheckResult composite(String check, RejectReason reason, String detail, List<CheckResult> children) {
        return new CheckResult(check, reason == null, reason, detail, null, children);
    }

    public static CheckResult pass(String check) {
        return new CheckResult(check, true, null, "ok");
    }

    public static CheckResult fail(String check, RejectReason reason, String detail) {
        return new CheckResult(check, false, Objects.requireNonNull(reason, "reason"), detail);
    }

    /** Could not decide now (a remote service is down or throttling): the client is told when to retry. */
    public static CheckResult unavailable(String check, RejectReason reason, String detail, Duration retryAfter) {
        return new CheckResult(check, false, Objects.requireNonNull(reason, "reason"), detail,
                Objects.requireNonNull(retryAfter, "retryAfter"));
    }
}
