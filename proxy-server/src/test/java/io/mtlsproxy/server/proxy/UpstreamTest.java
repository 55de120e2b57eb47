package io.mtlsproxy.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.PassiveHealthConfig;
import io.mtlsproxy.core.config.UpstreamConfig;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Picking targets: round-robin, least requests, passive ejection on fake time. */
class UpstreamTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final Ticker ticker = now::get;

    private Upstream upstream(UpstreamConfig.Balancing balancing, int ejectAfter) {
        return new Upstream("app", List.of("http://10.0.0.1:80", "http://10.0.0.2:80", "http://10.0.0.3:80"), balancing,
                new PassiveHealthConfig(ejectAfter, Duration.ofSeconds(30)), ticker);
    }

    private static List<String> picks(Upstream upstream, int n) {
        List<String> picked = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            picked.add(upstream.pick(List.of()).host());
        }
        return picked;
    }

    @Test
    void roundRobinTakesEachTargetInTurn() {
        assertThat(picks(upstream(UpstreamConfig.Balancing.ROUND_ROBIN, 3), 6))
                .containsExactly("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.3");
    }

    @Test
    void leastRequestsTakesTheTargetWithFewestInFlight() {
        Upstream upstream = upstream(UpstreamConfig.Balancing.LEAST_REQUESTS, 3);
        List<UpstreamTarget> targets = upstream.targets();
        targets.get(0).started();
        targets.get(0).started();
        targets.get(1).started();

        assertThat(upstream.pick(List.of()).host()).isEqualTo("10.0.0.3");
        targets.get(2).started();
        targets.get(2).started();
        assertThat(upstream.pick(List.of()).host()).isEqualTo("10.0.0.2");
    }

    @Test
    void aTargetIsEjectedAfterConsecutiveConnectFailuresAndComesBackAfterEjectFor() {
        Upstream upstream = upstream(UpstreamConfig.Balancing.ROUND_ROBIN, 2);
        UpstreamTarget first = upstream.targets().get(0);
        upstream.connectFailed(first, new ConnectException());
        assertThat(picks(upstream, 3)).contains("10.0.0.1"); // one failure: not yet

        upstream.connectFailed(first, new ConnectException());
        assertThat(picks(upstream, 6)).doesNotContain("10.0.0.1");

        now.addAndGet(Duration.ofSeconds(30).toNanos());
        assertThat(picks(upstream, 3)).contains("10.0.0.1");
    }

    @Test
    void aSuccessfulConnectResetsTheFailureCount() {
        Upstream upstream = upstream(UpstreamConfig.Balancing.ROUND_ROBIN, 2);
        UpstreamTarget first = upstream.targets().get(0);
        upstream.connectFailed(first, new ConnectException());
        upstream.connected(first);
        upstream.connectFailed(first, new ConnectException());

        assertThat(picks(upstream, 3)).contains("10.0.0.1");
    }

    @Test
    void whenEveryTargetIsEjectedTheyAreTriedAnyway() {
        Upstream upstream = upstream(UpstreamConfig.Balancing.ROUND_ROBIN, 1);
        for (UpstreamTarget target : upstream.targets()) {
            upstream.connectFailed(target, new ConnectException());
        }
        assertThat(upstream.pick(List.of())).isNotNull();
    }

    @Test
    void aRetryGoesToATargetNotTriedYet() {
        Upstream upstream = upstream(UpstreamConfig.Balancing.ROUND_ROBIN, 3);
        UpstreamTarget first = upstream.pick(List.of());
        UpstreamTarget second = upstream.pick(List.of(first));
        UpstreamTarget third = upstream.pick(List.of(first, second));

        assertThat(List.of(first, second, third)).doesNotHaveDuplicates();
        assertThat(upstream.pick(List.of(first, second, third))).isNull();
    }
}
