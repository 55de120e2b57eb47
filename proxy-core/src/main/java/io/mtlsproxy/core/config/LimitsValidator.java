package io.mtlsproxy.core.config;

import io.mtlsproxy.core.net.Cidr;
import java.time.Duration;
import java.util.List;

/** Checks the abuse-control settings: the limits section and the listener's timeouts, allowlist and PROXY protocol. */
final class LimitsValidator {
    private LimitsValidator() {}

    static void listener(ListenerConfig l, List<String> problems) {
        positive("listener.requestHeadTimeout", l.requestHeadTimeout(), problems);
        positive("listener.writeTimeout", l.writeTimeout(), problems);
        networks("listener.allowedClients", l.allowedClients(), problems);
        networks("listener.trustedProxies", l.trustedProxies(), problems);
        boolean v2 = l.proxyProtocol() == ListenerConfig.ProxyProtocol.V2;
        if (v2 && l.trustedProxies().isEmpty()) {
            problems.add("listener.trustedProxies: listener.proxyProtocol is v2, so list the balancers (CIDRs) allowed to "
                    + "send the PROXY header; no other address may");
        }
        if (!v2 && !l.trustedProxies().isEmpty()) {
            problems.add("listener.trustedProxies: set, but listener.proxyProtocol is off, so the header would never be read "
                    + "(set proxyProtocol: v2)");
        }
    }

    static void limits(LimitsConfig limits, List<String> problems) {
        rate("limits.perIdentity", limits.perIdentity(), problems);
        rate("limits.perIp", limits.perIp(), problems);
        rate("limits.handshakesPerIp", limits.handshakesPerIp(), problems);
        if (limits.maxConnections() < 0) {
            problems.add("limits.maxConnections: must be at least 0 (0 means no limit)");
        }
        if (limits.maxConnectionsPerIp() < 0) {
            problems.add("limits.maxConnectionsPerIp: must be at least 0 (0 means no limit)");
        }
        if (limits.maxConnections() > 0 && limits.maxConnectionsPerIp() > limits.maxConnections()) {
            problems.add("limits.maxConnectionsPerIp: " + limits.maxConnectionsPerIp() + " is more than limits.maxConnections ("
                    + limits.maxConnections() + ")");
        }
        if (limits.maxTrackedClients() < 1) {
            problems.add("limits.maxTrackedClients: must be at least 1");
        }
        LockoutConfig lockout = limits.lockout();
        if (lockout.maxRefusals() < 0) {
            problems.add("limits.lockout.maxRefusals: must be at least 0 (0 turns lockout off)");
        }
        positive("limits.lockout.window", lockout.window(), problems);
        positive("limits.lockout.duration", lockout.duration(), problems);
        if (lockout.maxRefusals() > 0 && !lockout.byIdentity() && !lockout.byIp()) {
            problems.add("limits.lockout: maxRefusals is set but byIdentity and byIp are both false, so nothing would be locked out");
        }
    }

    private static void rate(String at, RateLimitConfig rate, List<String> problems) {
        if (rate.rate() == null) {
            if (rate.burst() != null) {
                problems.add(at + ".burst: set, but " + at + ".rate is not (the limit is off without a rate)");
            }
            return;
        }
        if (!(rate.rate() > 0) || rate.rate().isInfinite()) {
            problems.add(at + ".rate: must be more than 0 per second");
        } else if (rate.rate() > 1_000_000_000d) {
            problems.add(at + ".rate: at most 1000000000 per second");
        }
        if (rate.burst() != null && rate.burst() < 1) {
            problems.add(at + ".burst: must be at least 1");
        }
    }

    private static void networks(String at, List<String> entries, List<String> problems) {
        for (int i = 0; i < entries.size(); i++) {
            try {
                Cidr.parse(entries.get(i));
            } catch (IllegalArgumentException e) {
                problems.add(at + "[" + i + "]: " + e.getMessage());
            }
        }
    }

    private static void positive(String name, Duration d, List<String> problems) {
        if (d.isNegative() || d.isZero()) {
            problems.add(name + ": must be longer than zero");
        }
    }
}
