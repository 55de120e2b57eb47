package io.mtlsproxy.server.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void burstIsSpentAtOnceThenTheWaitIsTheTimeToTheNextToken() {
        long now = 42 * SECOND;
        TokenBucket bucket = new TokenBucket(2, 3, now); // a token every 500 ms, three at once
        assertThat(bucket.tryTake(now)).isZero();
        assertThat(bucket.tryTake(now)).isZero();
        assertThat(bucket.tryTake(now)).isZero();
        assertThat(bucket.tryTake(now)).isEqualTo(SECOND / 2);
        assertThat(bucket.tryTake(now + SECOND / 4)).isEqualTo(SECOND / 4);
        assertThat(bucket.tryTake(now + SECOND / 2)).isZero();
        assertThat(bucket.tryTake(now + SECOND / 2)).isEqualTo(SECOND / 2);
    }

    @Test
    void aQuietBucketFillsUpToItsBurstAndNoFurther() {
        TokenBucket bucket = new TokenBucket(1, 2, 0);
        long later = 3_600 * SECOND;
        assertThat(bucket.tryTake(later)).isZero();
        assertThat(bucket.tryTake(later)).isZero();
        assertThat(bucket.tryTake(later)).isPositive();
    }

    @Test
    void fractionalRates() {
        TokenBucket bucket = new TokenBucket(0.1, 1, 0); // one every 10 s
        assertThat(bucket.tryTake(0)).isZero();
        assertThat(bucket.tryTake(SECOND)).isEqualTo(9 * SECOND);
        assertThat(bucket.tryTake(10 * SECOND)).isZero();
    }

    @Test
    void worksWithTickersThatStartBelowZero() {
        long now = Long.MIN_VALUE / 2; // System.nanoTime may be negative
        TokenBucket bucket = new TokenBucket(1, 1, now);
        assertThat(bucket.tryTake(now)).isZero();
        assertThat(bucket.tryTake(now)).isEqualTo(SECOND);
    }

    @Test
    void concurrentTakersNeverGetMoreThanTheBurst() throws Exception {
        TokenBucket bucket = new TokenBucket(1, 1_000, 0);
        AtomicInteger granted = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 1_000; i++) {
                    if (bucket.tryTake(0) == 0) {
                        granted.incrementAndGet();
                    }
                }
            });
            threads.add(thread);
            thread.start();
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(granted.get()).isEqualTo(1_000);
    }
}
