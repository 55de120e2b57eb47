package io.mtlsproxy.policy.entra;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** Wall clock and cache ticker in one, moved only by {@link #advance}, so expiry tests never sleep. */
final class FakeTime extends Clock implements Ticker {
    private volatile Instant now;
    private volatile long nanos;

    FakeTime(Instant start) {
        this.now = start;
    }

    synchronized void advance(Duration duration) {
        now = now.plus(duration);
        nanos += duration.toNanos();
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public long read() {
        return nanos;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("tests use UTC");
    }
}
