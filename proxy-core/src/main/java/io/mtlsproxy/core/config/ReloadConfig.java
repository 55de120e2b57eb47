package io.mtlsproxy.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Hot reload: SIGHUP, a change of a watched file, or {@code POST /reload} on the admin listener
 * rebuilds everything from the configuration and swaps it in for new connections; a broken file
 * keeps the last good configuration.
 *
 * @param watchFiles reload when the config file or a file it names (certificate, key, trust anchors,
 *     intermediates, CRL files, Entra CA bundle) changes, Kubernetes' {@code ..data} swap included;
 *     default true
 * @param debounce wait this long after the last change before reloading, so a pair of files written
 *     one after the other is read once, together; default 1s
 * @param sighup reload on SIGHUP where the platform has it; default true
 * @param drainGrace connections opened before a reload keep what they were opened with for up to
 *     this long; then the rest are closed and the old generation's backends released; default 10m
 */
public record ReloadConfig(Boolean watchFiles, Duration debounce, Boolean sighup, Duration drainGrace) {

    public ReloadConfig {
        watchFiles = Objects.requireNonNullElse(watchFiles, true);
        debounce = Objects.requireNonNullElse(debounce, Duration.ofSeconds(1));
        sighup = Objects.requireNonNullElse(sighup, true);
        drainGrace = Objects.requireNonNullElse(drainGrace, Duration.ofMinutes(10));
    }

    public static ReloadConfig defaults() {
        return new ReloadConfig(null, null, null, null);
    }
}
