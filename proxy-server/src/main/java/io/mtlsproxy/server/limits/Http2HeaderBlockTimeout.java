package io.mtlsproxy.server.limits;

import io.mtlsproxy.server.limits.ConnectionRefusals.Cause;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code listener.requestHeadTimeout} for an HTTP/2 connection's header blocks. A HEADERS frame
 * without END_HEADERS holds the whole connection until its last CONTINUATION frame (RFC 9113 6.10),
 * and the codec keeps the block to itself until then, so no stream exists yet to time: a client
 * trickling one (slowloris) is timed here, below the codec, by reading the frame headers as the
 * bytes pass. Nothing is copied or changed; a timer runs only while a block is split and open.
 */
public final class Http2HeaderBlockTimeout extends ChannelInboundHandlerAdapter {
    private static final int PREFACE_LENGTH = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    private static final int FRAME_HEADER_LENGTH = 9;
    private static final int HEADERS = 0x1;
    private static final int PUSH_PROMISE = 0x5;
    private static final int CONTINUATION = 0x9;
    private static final int END_HEADERS = 0x4;

    private final long timeoutNanos;
    private final ConnectionRefusals refusals;
    private int prefaceLeft = PREFACE_LENGTH;
    private final byte[] frameHeader = new byte[FRAME_HEADER_LENGTH];
    private int frameHeaderFill;
    private long payloadLeft;
    private boolean blockOpen;
    private long blocks; // header blocks opened so far: tells the timer whether its block is still the open one
    private ScheduledFuture<?> timer;

    public Http2HeaderBlockTimeout(Duration timeout, ConnectionRefusals refusals) {
        this.timeoutNanos = timeout.toNanos();
        this.refusals = refusals;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes) {
            scan(ctx, bytes);
        }
        ctx.fireChannelRead(msg);
    }

    private void scan(ChannelHandlerContext ctx, ByteBuf bytes) {
        int i = bytes.readerIndex();
        int end = bytes.writerIndex();
        while (i < end) {
            if (prefaceLeft > 0) {
                int n = Math.min(prefaceLeft, end - i);
                prefaceLeft -= n;
                i += n;
            } else if (payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, end - i);
                payloadLeft -= n;
                i += n;
            } else {
                frameHeader[frameHeaderFill++] = bytes.getByte(i++);
                if (frameHeaderFill == FRAME_HEADER_LENGTH) {
                    frameHeaderFill = 0;
                    onFrameHeader(ctx);
                }
            }
        }
    }

    private void onFrameHeader(ChannelHandlerContext ctx) {
        payloadLeft = (frameHeader[0] & 0xffL) << 16 | (frameHeader[1] & 0xffL) << 8 | (frameHeader[2] & 0xffL);
        int type = frameHeader[3] & 0xff;
        if (type != HEADERS && type != PUSH_PROMISE && type != CONTINUATION) {
            return; // anything else inside a block is the codec's protocol error to answer
        }
        boolean ends = (frameHeader[4] & END_HEADERS) != 0;
        if (!ends && !blockOpen) {
            blockOpen = true;
            long block = ++blocks;
            cancelTimer();
            timer = ctx.executor().schedule(() -> expired(ctx, block), timeoutNanos, TimeUnit.NANOSECONDS);
        } else if (ends && blockOpen) {
            blockOpen = false;
            cancelTimer();
        }
    }

    private void expired(ChannelHandlerContext ctx, long block) {
        timer = null;
        if (blockOpen && block == blocks && ctx.channel().isActive()) {
            refusals.refuse(ctx.channel(), Cause.REQUEST_HEAD_TIMEOUT, "HTTP/2 header block not complete within "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + "ms (listener.requestHeadTimeout)");
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimer();
    }
}
