package io.mtlsproxy.server.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.config.LimitsConfig;
import io.mtlsproxy.core.config.LockoutConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClientStateTest {
    private static final long SECOND = 1_000_000_000L;
    private final LockoutConfig lockout = new LockoutConfig(3, Duration.ofSeconds(60), Duration.ofSeconds(300), null, null);

    @Test
    void theNthRefusalWithinTheWindowStartsTheLockoutOnce() {
        ClientState state = ClientState.forIdentity(LimitsConfig.defaults(), 0);
        assertThat(state.refused(0, lockout)).isFalse();
        assertThat(state.refused(10 * SECOND, lockout)).isFalse();
        assertThat(state.refused(59 * SECOND, lockout)).isTrue();
        assertThat(state.lockedFor(59 * SECOND)).isEqualTo(300 * SECOND);
        assertThat(state.refused(60 * SECOND, lockout)).isFalse(); // already locked: not a second lockout
        assertThat(state.lockedFor(359 * SECOND)).isZero();
    }

    @Test
    void theWindowStartsAgainAfterItEnds() {
        ClientState state = ClientState.forIdentity(LimitsConfig.defaults(), 0);
        state.refused(0, lockout);
        state.refused(SECOND, lockout);
        assertThat(state.refused(62 * SECOND, lockout)).isFalse();
        assertThat(state.refused(63 * SECOND, lockout)).isFalse();
        assertThat(state.refused(64 * SECOND, lockout)).isTrue();
    }
}
