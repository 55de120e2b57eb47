package io.mtlsproxy.perf.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The fixed-rate schedule with the stats' window, on fake time: a server that stalls once must
 * show in the latency of every request that was due during the stall, not only the one it held.
 */
class CoordinatedOmissionTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private static final class FakeClock implements NanoClock {
        long now = 1_000 * MS;

        @Override
        public long nanoTime() {
            return now;
        }
    }

    /**
     * One connection, 100 requests per second for 2 s; each takes 1 ms except the one due at
     * 500 ms, which takes 1 s. The client can only send when the previous response is back.
     */
    private static LoadStats.Counts runWithOneStall(FakeClock clock, SendSchedule schedule, long windowStart) {
        LoadStats stats = new LoadStats(windowStart, windowStart + 2_000 * MS);
        long start = clock.now;
        while (true) {
            long intended = schedule.nextSendTime();
            if (intended >= windowStart + 2_000 * MS) {
                break;
            }
            clock.now = Math.max(clock.now, intended); // wait for the slot if it is ahead
            long service = intended - start == 500 * MS ? 1_000 * MS : MS;
            clock.now += service;
            stats.response(intended, clock.now);
        }
        return stats.snapshot(2_000 * MS);
    }

    @Test
    void latencyOfRequestsDueDuringAStallIncludesTheirWait() {
        FakeClock clock = new FakeClock();
        LoadStats.Counts counts = runWithOneStall(clock, SendSchedule.fixedRate(clock, 100), clock.now);
        // every due request is sent and answered eventually: the count stays at rate x window
        assertThat(counts.responses()).isBetween(190L, 200L);
        // the stalled one waited 1 s; those due during the stall waited 990, 980, ... ms
        assertThat(counts.latency().max()).isBetween(999_000L, 1_002_000L);
        // about 100 requests were due in that second: the p90 is still hundreds of ms, not 1 ms
        assertThat(counts.latency().p90()).isGreaterThan(200_000L);
        assertThat(counts.latency().p50()).isGreaterThan(1_000L);
    }

    @Test
    void closedLoopHidesTheStallWhichIsWhyRatesAreMeasuredFromTheSchedule() {
        FakeClock clock = new FakeClock();
        LoadStats.Counts counts = runWithOneStall(clock, SendSchedule.closedLoop(clock), clock.now);
        // closed loop: one slow sample among hundreds of fast ones
        assertThat(counts.latency().max()).isGreaterThan(990_000L);
        assertThat(counts.latency().p90()).isLessThan(2_000L);
    }

    @Test
    void scheduleSharedByLoopsHandsOutEachSlotOnce() {
        FakeClock clock = new FakeClock();
        SendSchedule schedule = SendSchedule.fixedRate(clock, 1_000);
        long first = schedule.nextSendTime();
        assertThat(schedule.nextSendTime() - first).isEqualTo(MS);
        assertThat(schedule.nextSendTime() - first).isEqualTo(2 * MS);
        assertThat(first).isEqualTo(clock.now);
    }

    @Test
    void onlyWhatStartsAndEndsInsideTheWindowCounts() {
        LoadStats stats = new LoadStats(100, 200);
        stats.response(99, 150);            // started during warm-up
        stats.response(190, 201);           // finished after the window
        stats.response(100, 200);
        stats.error(ErrorKind.STATUS, 50, 120);
        stats.error(ErrorKind.TIMEOUT, 150, 160);
        stats.handshake(true, 120, 130);
        stats.handshake(false, 90, 130);
        LoadStats.Counts counts = stats.snapshot(100);
        assertThat(counts.responses()).isEqualTo(1);
        assertThat(counts.errorTotal()).isEqualTo(1);
        assertThat(counts.error(ErrorKind.TIMEOUT)).isEqualTo(1);
        assertThat(counts.resumed()).isEqualTo(1);
        assertThat(counts.notResumed()).isZero();
        assertThat(counts.latency().count()).isEqualTo(1);
    }
}
