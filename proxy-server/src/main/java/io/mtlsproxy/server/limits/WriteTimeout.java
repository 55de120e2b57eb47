package io.mtlsproxy.server.limits;

import io.mtlsproxy.server.limits.ConnectionRefusals.Cause;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose client does not take its responses: while bytes wait to be written,
 * the client must take some within {@code listener.writeTimeout}. A slow reader that keeps
 * reading stays; one that stopped is dropped. Sits next to the socket (below TLS), and closes from
 * there, skipping the close_notify the client would never read.
 *
 * <p>Unlike Netty's WriteTimeoutHandler it puts no timer and no listener on every write: a timer
 * runs only while bytes are stuck after a flush, and compares the outbound buffer's progress
 * (its current message, how far that is written, what is pending) with what it was when armed,
 * as Netty's IdleStateHandler does to observe output.
 */
public final class WriteTimeout extends ChannelDuplexHandler {
    private final long timeoutNanos;
    private final ConnectionRefusals refusals;
    private ScheduledFuture<?> timer;
    private int armedMessage;
    private long armedProgress;
    private long armedPending;

    public WriteTimeout(java.time.Duration timeout, ConnectionRefusals refusals) {
        this.timeoutNanos = timeout.toNanos();
        this.refusals = refusals;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
        if (timer == null) {
            ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
            if (buffer != null && buffer.totalPendingWriteBytes() > 0) {
                arm(ctx, buffer);
            }
        }
    }

    private void arm(ChannelHandlerContext ctx, ChannelOutboundBuffer buffer) {
        armedMessage = System.identityHashCode(buffer.current());
        armedProgress = buffer.currentProgress();
        armedPending = buffer.totalPendingWriteBytes();
        timer = ctx.executor().schedule(() -> check(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        timer = null;
        ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        if (!ctx.channel().isActive() || buffer == null) {
            return;
        }
        long pending = buffer.totalPendingWriteBytes();
        if (pending == 0) {
            return; // all written: the next flush that leaves bytes behind arms again
        }
        boolean progressed = System.identityHashCode(buffer.current()) != armedMessage
                || buffer.currentProgress() != armedProgress || pending != armedPending;
        if (progressed) {
            arm(ctx, buffer);
            return;
        }
        refusals.refuse(ctx, Cause.WRITE_TIMEOUT, pending + " bytes waiting, none taken by the client within "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + "ms (listener.writeTimeout)");
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
