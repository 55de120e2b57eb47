package io.mtlsproxy.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Client-certificate expiry tracking: each distinct certificate seen on a connection is
 * remembered (bounded) so metrics can show the soonest expiries and how many expire soon.
 *
 * @param maxEntries bound on distinct certificates remembered; the least recently seen go first
 * @param seenWithin a certificate not seen for this long is forgotten (a retired device stops counting)
 * @param soonest how many of the soonest expiries are exported as labelled series
 */
public record CertificateTrackingConfig(Integer maxEntries, Duration seenWithin, Integer soonest) {
    public CertificateTrackingConfig {
        maxEntries = Objects.requireNonNullElse(maxEntries, 10_000);
        seenWithin = Objects.requireNonNullElse(seenWithin, Duration.ofHours(24));
        soonest = Objects.requireNonNullElse(soonest, 5);
    }

    public static CertificateTrackingConfig defaults() {
        return new CertificateTrackingConfig(null, null, null);
    }
}
