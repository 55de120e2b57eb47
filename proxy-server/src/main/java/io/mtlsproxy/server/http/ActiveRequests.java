package io.mtlsproxy.server.http;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts requests in flight and says whether the gateway is draining, for graceful shutdown. */
public final class ActiveRequests {
    /**
     * The user event fired on every open connection when the drain begins: an HTTP/2 connection
     * sends GOAWAY at once (its streams in flight finish); HTTP/1.1 closes after its next response.
     */
    public enum DrainStarted { INSTANCE }

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
