package io.mtlsproxy.server.admin;

import java.util.Objects;

/**
 * How a reload ended, as the admin listener reports it.
 *
 * @param result what happened
 * @param detail one line for the operator: what changed, or why the new files were refused
 *     (the last good configuration stays in force)
 */
public record ReloadOutcome(Result result, String detail) {
    public enum Result {
        /** The new configuration is in force: 200. */
        APPLIED,
        /** Nothing had changed: 200. */
        UNCHANGED,
        /** The new files were refused and the last good configuration kept: 422 {@code reload_failed}. */
        REJECTED,
        /** This gateway cannot reload: 501 {@code reload_unavailable}. */
        UNSUPPORTED
    }

    public ReloadOutcome {
        Objects.requireNonNull(result, "result");
        detail = Objects.requireNonNullElse(detail, "");
    }

    public static ReloadOutcome applied(String detail) {
        return new ReloadOutcome(Result.APPLIED, detail);
    }

    public static ReloadOutcome unchanged(String detail) {
        return new ReloadOutcome(Result.UNCHANGED, detail);
    }

    public static ReloadOutcome rejected(String detail) {
        return new ReloadOutcome(Result.REJECTED, detail);
    }

    public static ReloadOutcome unsupported(String detail) {
        return new ReloadOutcome(Result.UNSUPPORTED, detail);
    }
}
