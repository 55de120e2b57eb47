package io.mtlsproxy.server.limits;

import io.mtlsproxy.core.config.LimitsConfig;
import io.mtlsproxy.core.config.LockoutConfig;

/**
 * What is remembered about one client address or one identity: its request bucket, for an
 * address its new-connection bucket, and its recent refusals and lockout. Connections keep a
 * reference, so a request costs no lookup; when the registry forgets the client (expiry or the
 * size bound) the state is retired and holders look it up again.
 */
final class ClientState {
    /** Null when that limit is off. */
    final TokenBucket requests;
    /** Null for identities and when the handshake limit is off. */
    final TokenBucket handshakes;
    private volatile long lockedUntil;
    private volatile boolean retired;
    private long windowStart;  // guarded by this: refusals are rare, a lock there costs nothing on the request path
    private int refusals;

    private ClientState(TokenBucket requests, TokenBucket handshakes, long nowNanos) {
        this.requests = requests;
        this.handshakes = handshakes;
        this.lockedUntil = nowNanos;
        this.windowStart = nowNanos;
    }

    static ClientState forAddress(LimitsConfig limits, long nowNanos) {
        return new ClientState(TokenBucket.of(limits.perIp(), nowNanos), TokenBucket.of(limits.handshakesPerIp(), nowNanos),
                nowNanos);
    }

    static ClientState forIdentity(LimitsConfig limits, long nowNanos) {
        return new ClientState(TokenBucket.of(limits.perIdentity(), nowNanos), null, nowNanos);
    }

    /** Nanoseconds the lockout still lasts, 0 when there is none. */
    long lockedFor(long nowNanos) {
        long left = lockedUntil - nowNanos;
        return left > 0 ? left : 0;
    }

    /**
     * Counts one refusal.
     *
     * @return true when this refusal started a lockout
     */
    synchronized boolean refused(long nowNanos, LockoutConfig lockout) {
        if (lockedFor(nowNanos) > 0) {
            return false;
        }
        if (refusals == 0 || nowNanos - windowStart > lockout.window().toNanos()) {
            windowStart = nowNanos;
            refusals = 0;
        }
        refusals++;
        if (refusals < lockout.maxRefusals()) {
            return false;
        }
        refusals = 0;
        lockedUntil = nowNanos + lockout.duration().toNanos();
        return true;
    }

    void retire() {
        retired = true;
    }

    boolean isRetired() {
        return retired;
    }
}
