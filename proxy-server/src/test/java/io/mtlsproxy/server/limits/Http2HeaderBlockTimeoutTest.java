package io.mtlsproxy.server.limits;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The header-block clock of an HTTP/2 connection, on the event loop's fake time. */
class Http2HeaderBlockTimeoutTest {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADERS = 0x1;
    private static final int SETTINGS = 0x4;
    private static final int CONTINUATION = 0x9;
    private static final int END_HEADERS = 0x4;

    private final ConnectionRefusals refusals = new ConnectionRefusals(Ticker.systemTicker());

    private EmbeddedChannel channel() {
        EmbeddedChannel channel = new EmbeddedChannel(new Http2HeaderBlockTimeout(Duration.ofSeconds(10), refusals));
        channel.freezeTime();
        return channel;
    }

    private static byte[] frame(int type, int flags, int streamId, int payloadLength) {
        byte[] frame = new byte[9 + payloadLength];
        frame[0] = (byte) (payloadLength >>> 16);
        frame[1] = (byte) (payloadLength >>> 8);
        frame[2] = (byte) payloadLength;
        frame[3] = (byte) type;
        frame[4] = (byte) flags;
        frame[5] = (byte) (streamId >>> 24);
        frame[6] = (byte) (streamId >>> 16);
        frame[7] = (byte) (streamId >>> 8);
        frame[8] = (byte) streamId;
        for (int i = 9; i < frame.length; i++) {
            frame[i] = (byte) 0x82; // payload bytes that look like nothing in particular
        }
        return frame;
    }

    /** Writes the bytes in pieces of {@code piece} bytes, as TLS records may cut them. */
    private static void arrive(EmbeddedChannel channel, int piece, byte[]... parts) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        byte[] bytes = all.toByteArray();
        for (int i = 0; i < bytes.length; i += piece) {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(piece, bytes.length - i)));
        }
        for (Object passed; (passed = channel.readInbound()) != null; ) {
            ((ByteBuf) passed).release(); // passed on unchanged, to the codec in the real pipeline
        }
    }

    @Test
    void aHeaderBlockLeftOpenClosesTheConnectionAfterTheTimeout() {
        EmbeddedChannel channel = channel();
        arrive(channel, 5, PREFACE, frame(SETTINGS, 0, 0, 0), frame(HEADERS, 0, 1, 40));
        channel.advanceTimeBy(9, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();

        arrive(channel, 7, frame(CONTINUATION, 0, 1, 3)); // a trickle does not restart the clock
        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
        assertThat(refusals.count(ConnectionRefusals.Cause.REQUEST_HEAD_TIMEOUT)).isEqualTo(1);
        channel.finishAndReleaseAll();
    }

    @Test
    void completeHeaderBlocksStartNoClock() {
        EmbeddedChannel channel = channel();
        // one block in one frame, one split over a CONTINUATION, and a DATA-sized payload that mentions HEADERS' type byte
        arrive(channel, 3, PREFACE, frame(SETTINGS, 0, 0, 6), frame(HEADERS, END_HEADERS, 1, 20),
                frame(HEADERS, 0, 3, 16), frame(CONTINUATION, END_HEADERS, 3, 8), frame(0x0, 0, 3, 300));
        assertThat(channel.hasPendingTasks()).isFalse();
        channel.advanceTimeBy(1, TimeUnit.MINUTES);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
        assertThat(refusals.count(ConnectionRefusals.Cause.REQUEST_HEAD_TIMEOUT)).isZero();
        channel.finishAndReleaseAll();
    }
}
