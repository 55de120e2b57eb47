package io.mtlsproxy.server.http;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts requests in flight and says whether the gateway is draining, for graceful shutdown. */
public final class ActiveRequests {
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;

    void started() {
        inFlight.incrementAndGet();
    }

    void finished() {
        inFlight.decrementAndGet();
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** From now on every response closes its connection. */
    public void drain() {
        draining = true;
    }

    public boolean isDraining() {
        return draining;
    }
}
