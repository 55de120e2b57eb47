package io.mtlsproxy.server.limits;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Every refusal is counted and closes its connection; a flood of them shares a bounded log budget. */
class ConnectionRefusalsTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger("mtls_proxy.limits");
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = nanos::get;

    @BeforeEach
    void capture() {
        captured.start();
        logger.addAppender(captured);
    }

    @AfterEach
    void release() {
        logger.detachAppender(captured);
    }

    @Test
    void aFloodIsCountedInFullButLoggedWithinTheBudget() {
        ConnectionRefusals refusals = new ConnectionRefusals(ticker);
        for (int i = 0; i < 1_000; i++) {
            EmbeddedChannel channel = new EmbeddedChannel();
            refusals.refuse(channel, ConnectionRefusals.Cause.HANDSHAKE_RATE, "flood");
            assertThat(channel.isOpen()).isFalse();
        }
        assertThat(refusals.count(ConnectionRefusals.Cause.HANDSHAKE_RATE)).isEqualTo(1_000);
        assertThat(captured.list).hasSize(20);
        assertThat(refusals.suppressedLines()).isEqualTo(980);

        nanos.addAndGet(1_000_000_000L); // a second later: ten more lines, the first says what was left out
        EmbeddedChannel next = new EmbeddedChannel();
        refusals.refuse(next, ConnectionRefusals.Cause.HANDSHAKE_RATE, "flood");
        assertThat(captured.list).last().satisfies(line -> assertThat(line.getFormattedMessage())
                .contains("cause=handshake_rate").endsWith("(980 similar lines suppressed)"));
        assertThat(refusals.suppressedLines()).isZero();
    }
}
