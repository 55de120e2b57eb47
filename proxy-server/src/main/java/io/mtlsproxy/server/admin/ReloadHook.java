package io.mtlsproxy.server.admin;

import java.util.concurrent.CompletableFuture;

/**
 * What {@code POST /reload} on the admin listener runs. The hook does its work off the admin
 * event loop and completes the future when done; the admin server only reports the outcome.
 */
@FunctionalInterface
public interface ReloadHook {
    /** Until a reload is wired in: every request answers 501 {@code reload_unavailable}. */
    ReloadHook NOT_SUPPORTED = () -> CompletableFuture.completedFuture(
            ReloadOutcome.unsupported("reload is not available in this build"));

    CompletableFuture<ReloadOutcome> reload();
}
