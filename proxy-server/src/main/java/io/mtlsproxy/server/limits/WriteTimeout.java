package io.mtlsproxy.server.limits;

import io.mtlsproxy.server.limits.ConnectionRefusals.Cause;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose client does not take its responses: bytes handed to the socket must
 * be written within {@code listener.writeTimeout}. Sits next to the socket (below TLS), so it
 * sees every byte. Unlike Netty's WriteTimeoutHandler it does not put a timer and a listener on
 * every write: a timer runs only while bytes are stuck in the outbound buffer after a flush, and
 * when it fires everything queued by the time it was armed must have gone out.
 */
public final class WriteTimeout extends ChannelDuplexHandler {
    private final long timeoutNanos;
    private final ConnectionRefusals refusals;
    private long queued;        // bytes passed down so far
    private long mustBeWritten; // what must have been written when the timer fires
    private ScheduledFuture<?> timer;

    public WriteTimeout(java.time.Duration timeout, ConnectionRefusals refusals) {
        this.timeoutNanos = timeout.toNanos();
        this.refusals = refusals;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf bytes) {
            queued += bytes.readableBytes();
        } else if (msg instanceof ByteBufHolder holder) {
            queued += holder.content().readableBytes();
        }
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
        if (timer == null && pending(ctx) > 0) {
            arm(ctx);
        }
    }

    private void arm(ChannelHandlerContext ctx) {
        mustBeWritten = queued;
        timer = ctx.executor().schedule(() -> check(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        long pending = pending(ctx);
        if (pending == 0) {
            return;
        }
        long written = queued - pending;
        if (written >= mustBeWritten) {
            arm(ctx); // the client is reading, only more slowly than we write: watch the newer bytes
            return;
        }
        refusals.refuse(ctx, Cause.WRITE_TIMEOUT, (mustBeWritten - written) + " bytes not taken by the client within "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + "ms (listener.writeTimeout)");
    }

    private static long pending(ChannelHandlerContext ctx) {
        ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
