package io.mtlsproxy.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The verdict on a client certificate, with the result of every check that ran, in evaluation
 * order; a composite check's result holds its members' results ({@link CheckResult#children()}).
 * Clients only ever see {@link #rejectionCode()}, a stable generic code; the details are for
 * operators (logs, {@link #summary()}, the {@code inspect} tool's {@link #describe()}).
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

    /** The stable code of {@link #rejection()} (e.g. {@code unknown_ca}): the only thing a client may be told. */
    public Optional<String> rejectionCode() {
        return rejection().map(RejectReason::code);
    }

    /**
     * One line for logs: every failed check as {@code check: code: detail}, or "allowed". A failed
     * composite is spelled out down to the failed rules in it, named by their path, e.g.
     * {@code policies.kiosks/anyOf/san: rule_mismatch: ...}.
     */
    public String summary() {
        if (allowed) {
            return "allowed";
        }
        List<String> failures = new ArrayList<>();
        for (CheckResult result : results) {
            failures(result, result.check(), failures);
        }
        return String.join("; ", failures);
    }

    private static void failures(CheckResult result, String path, List<String> into) {
        if (result.passed()) {
            return;
        }
        boolean spelledOut = false;
        for (CheckResult child : result.children()) {
            if (!child.passed()) {
                failures(child, path + "/" + child.check(), into);
                spelledOut = true;
            }
        }
        if (!spelledOut) {
            into.add(path + ": " + result.reason().code() + ": " + result.detail());
        }
    }

    /**
     * For operators (the {@code inspect} tool): one line per check that ran, composites' members
     * indented under them, each as {@code name: PASS - detail} or {@code name: FAIL code - detail},
     * then the final {@code decision: ALLOW} or {@code decision: DENY (code)}. The detail is left out
     * where it only says "ok".
     */
    public String describe() {
        StringBuilder text = new StringBuilder(256);
        for (CheckResult result : results) {
            describe(result, 0, text);
        }
        text.append("decision: ").append(allowed ? "ALLOW" : "DENY (" + rejection().orElseThrow().code() + ")");
        return text.toString();
    }

    private static void describe(CheckResult result, int depth, StringBuilder text) {
        text.append("  ".repeat(depth)).append(result.check()).append(": ");
        text.append(result.passed() ? "PASS" : "FAIL " + result.reason().code());
        if (!result.passed() || !"ok".equals(result.detail())) {
            text.append(" - ").append(result.detail());
        }
        text.append('\n');
        for (CheckResult child : result.children()) {
            describe(child, depth + 1, text);
        }
    }
}
