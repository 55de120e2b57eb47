package io.mtlsproxy.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Passive health of an upstream's targets, judged from real traffic (no probes).
 *
 * @param ejectAfter consecutive connect failures after which a target is skipped; 0 never skips; default 3
 * @param ejectFor how long a skipped target is left out before it is tried again; default 30s
 */
public record PassiveHealthConfig(Integer ejectAfter, Duration ejectFor) {
    public PassiveHealthConfig {
        ejectAfter = Objects.requireNonNullElse(ejectAfter, 3);
        ejectFor = Objects.requireNonNullElse(ejectFor, Duration.ofSeconds(30));
    }

    public static PassiveHealthConfig defaults() {
        return new PassiveHealthConfig(null, null);
    }
}
