package io.mtlsproxy.policy;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The verdict on a client certificate, with the result of every check that ran, in evaluation
 * order. Clients only ever see {@link #rejection()}'s code; the details are for operators.
 *
 * @param allowed true when every check that ran passed
 * @param results the checks that ran, at least one
 */
public record Decision(boolean allowed, List<CheckResult> results) {
    public Decision {
        results = List.copyOf(results);
        if (results.isEmpty()) {
            throw new IllegalArgumentException("a decision needs at least one check result");
        }
        if (allowed != results.stream().allMatch(CheckResult::passed)) {
            throw new IllegalArgumentException("allowed must say whether every check passed");
        }
    }

    /** The decision the results make: allowed when every one passed. */
    public static Decision of(List<CheckResult> results) {
        return new Decision(results.stream().allMatch(CheckResult::passed), results);
    }

    /** A refusal by a single result (no certificate, unreadable certificate). */
    public static Decision refused(String check, RejectReason reason, String detail) {
        return new Decision(false, List.of(CheckResult.fail(check, reason, detail)));
    }

    /** The reason of the first failed check: what the client is told. */
    public Optional<RejectReason> rejection() {
        for (CheckResult result : results) {
            if (!result.passed()) {
                return Optional.of(result.reason());
            }
        }
        return Optional.empty();
    }

    /** One line for logs: every failure as {@code check: code: detail}, or "allowed". */
    public String summary() {
        if (allowed) {
            return "allowed";
        }
        return results.stream()
                .filter(result -> !result.passed())
                .map(result -> result.check() + ": " + result.reason().code() + ": " + result.detail())
                .collect(Collectors.joining("; "));
    }
}
