package io.mtlsproxy.server.proxy;

import java.net.URI;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One server behind an upstream: where it is, and what this gateway knows of it (requests in
 * flight, consecutive connect failures, until when it is ejected). Shared by every event loop,
 * so its counters are atomic.
 */
public final class UpstreamTarget {
    private final String host;
    private final int port;
    private final boolean https;
    private final String authority;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private volatile long ejectedUntilNanos;
    private volatile boolean ejected;

    UpstreamTarget(String url) {
        URI uri = URI.create(url);
        this.https = uri.getScheme().toLowerCase(Locale.ROOT).equals("https");
        String h = uri.getHost();
        this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        int defaultPort = https ? 443 : 80;
        this.port = uri.getPort() < 0 ? defaultPort : uri.getPort();
        this.authority = port == defaultPort ? h : h + ":" + port;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    boolean https() {
        return https;
    }

    /** The Host header the upstream sees: host, and the port unless it is the scheme's default. */
    String authority() {
        return authority;
    }

    int inFlight() {
        return inFlight.get();
    }

    void started() {
        inFlight.incrementAndGet();
    }

    void finished() {
        inFlight.decrementAndGet();
    }

    /** @return the number of consecutive connect failures, this one included */
    int failed() {
        return consecutiveFailures.incrementAndGet();
    }

    void connected() {
        consecutiveFailures.set(0);
        ejected = false;
    }

    void eject(long untilNanos) {
        ejectedUntilNanos = untilNanos;
        ejected = true;
    }

    /** Ejected and the ejection not yet over at {@code nowNanos}. */
    boolean isEjected(long nowNanos) {
        return ejected && nowNanos - ejectedUntilNanos < 0;
    }

    @Override
    public String toString() {
        return (https ? "https://" : "http://") + authority;
    }
}
