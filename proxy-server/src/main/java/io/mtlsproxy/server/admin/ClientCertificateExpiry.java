package io.mtlsproxy.server.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.CertificateTrackingConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The client certificates seen lately and when they expire, bounded: each distinct certificate
 * (by SHA-256) is remembered for {@code seenWithin} after its last connection, at most
 * {@code maxEntries} of them. Updated once per connection; summarized once per scrape.
 */
final class ClientCertificateExpiry {
    static final Duration WEEK = Duration.ofDays(7);
    static final Duration MONTH = Duration.ofDays(30);

    /** One certificate among the soonest to expire. */
    record Expiring(String sha256, long notAfterEpochSecond) {}

    /**
     * @param tracked distinct certificates remembered
     * @param within7Days of those, not yet expired and expiring within 7 days
     * @param within30Days not yet expired and expiring within 30 days (the 7-day ones included)
     * @param soonest the soonest expiries, soonest first, at most the configured number
     */
    record Snapshot(long tracked, long within7Days, long within30Days, List<Expiring> soonest) {
        static final Snapshot EMPTY = new Snapshot(0, 0, 0, List.of());

        /** The soonest notAfter, in epoch seconds, or NaN when nothing is tracked. */
        double soonestNotAfter() {
            return soonest.isEmpty() ? Double.NaN : soonest.get(0).notAfterEpochSecond();
        }
    }

    private final Cache<String, Long> notAfterBySha256;
    private final Clock clock;
    private final int soonest;

    ClientCertificateExpiry(CertificateTrackingConfig config, Clock clock, Ticker ticker) {
        this.notAfterBySha256 = Caffeine.newBuilder()
                .maximumSize(config.maxEntries())
                .expireAfterWrite(config.seenWithin())
                .ticker(ticker)
                .executor(Runnable::run) // maintenance is tiny; no thread hop from the event loop
                .build();
        this.clock = clock;
        this.soonest = config.soonest();
    }

    /** A connection presented this certificate. */
    void seen(ClientIdentity identity) {
        notAfterBySha256.put(identity.sha256(), identity.notAfter().getEpochSecond());
    }

    /** Summarizes what is remembered now: O(entries), for a scrape, never for a request. */
    Snapshot snapshot() {
        long now = clock.instant().getEpochSecond();
        long week = now + WEEK.toSeconds();
        long month = now + MONTH.toSeconds();
        long tracked = 0;
        long within7 = 0;
        long within30 = 0;
        // a max-heap of the soonest: its head is the latest of them, dropped when a sooner one comes
        PriorityQueue<Expiring> heap = new PriorityQueue<>(Math.max(1, soonest + 1),
                Comparator.comparingLong(Expiring::notAfterEpochSecond).reversed().thenComparing(Expiring::sha256));
        for (Map.Entry<String, Long> entry : notAfterBySha256.asMap().entrySet()) {
            long notAfter = entry.getValue();
            tracked++;
            if (notAfter > now && notAfter <= month) {
                within30++;
                if (notAfter <= week) {
                    within7++;
                }
            }
            if (soonest > 0) {
                heap.add(new Expiring(entry.getKey(), notAfter));
                if (heap.size() > soonest) {
                    heap.poll();
                }
            }
        }
        List<Expiring> ordered = new ArrayList<>(heap);
        ordered.sort(Comparator.comparingLong(Expiring::notAfterEpochSecond).thenComparing(Expiring::sha256));
        return new Snapshot(tracked, within7, within30, List.copyOf(ordered));
    }
}
