package io.mtlsproxy.server.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.PassiveHealthConfig;
import io.mtlsproxy.core.config.UpstreamConfig;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The targets of one route and how a request picks one: round-robin or least requests in flight,
 * skipping targets ejected by passive health (consecutive connect failures). When every target
 * left is ejected, they are tried anyway: a request that might succeed beats one refused for sure.
 */
public final class Upstream {
    private static final Logger log = LoggerFactory.getLogger(Upstream.class);

    private final String route;
    private final List<UpstreamTarget> targets;
    private final UpstreamConfig.Balancing balancing;
    private final int ejectAfter;
    private final long ejectForNanos;
    private final Ticker ticker;
    private final AtomicInteger next = new AtomicInteger();

    Upstream(String route, List<String> targets, UpstreamConfig.Balancing balancing, PassiveHealthConfig health,
            Ticker ticker) {
        this.route = route;
        this.targets = targets.stream().map(UpstreamTarget::new).toList();
        this.balancing = balancing;
        this.ejectAfter = health.ejectAfter();
        this.ejectForNanos = health.ejectFor().toNanos();
        this.ticker = ticker;
    }

    List<UpstreamTarget> targets() {
        return targets;
    }

    /**
     * The target for the next attempt, never one in {@code tried}; null when every target was tried.
     * Healthy targets first; ejected ones only when no healthy one is left.
     */
    UpstreamTarget pick(List<UpstreamTarget> tried) {
        long now = ticker.read();
        UpstreamTarget chosen = choose(tried, now, false);
        return chosen != null ? chosen : choose(tried, now, true);
    }

    private UpstreamTarget choose(List<UpstreamTarget> tried, long now, boolean includeEjected) {
        int size = targets.size();
        int start = Math.floorMod(next.getAndIncrement(), size);
        UpstreamTarget best = null;
        for (int i = 0; i < size; i++) {
            UpstreamTarget candidate = targets.get((start + i) % size);
            if (tried.contains(candidate) || (!includeEjected && candidate.isEjected(now))) {
                continue;
            }
            if (balancing == UpstreamConfig.Balancing.ROUND_ROBIN) {
                return candidate;
            }
            if (best == null || candidate.inFlight() < best.inFlight()) {
                best = candidate; // ties go to the first in rotation order, so equal loads still spread
            }
        }
        return best;
    }

    void connectFailed(UpstreamTarget target, Throwable cause) {
        int failures = target.failed();
        if (ejectAfter > 0 && failures >= ejectAfter) {
            boolean already = target.isEjected(ticker.read());
            target.eject(ticker.read() + ejectForNanos);
            if (!already) {
                log.warn("upstream target ejected route={} target={} consecutiveConnectFailures={} for={}ms error={}",
                        route, target, failures, ejectForNanos / 1_000_000, cause.getClass().getSimpleName());
            }
        }
    }

    void connected(UpstreamTarget target) {
        target.connected();
    }
}
