package io.mtlsproxy.server.limits;

import io.mtlsproxy.server.limits.ConnectionRefusals.Cause;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request does not arrive in full within {@code listener.requestHeadTimeout}
 * of its first byte (slowloris: a byte every few seconds keeps the idle timeout from ever firing).
 *
 * <p>Two handlers share this state: {@link #firstBytes()} sits before the HTTP codec and notes
 * when a request's first bytes arrive; this one sits after it and sees the request end
 * ({@code LastHttpContent}). The clock runs from the first byte until the end of the request, so
 * headers and body both count. No timer per request: one runs only while a request is being
 * received, and is re-armed from the start of the current request when it fires early. While the
 * gateway itself is not reading (it answers pipelined requests one at a time) the clock waits.
 */
public final class RequestHeadTimeout extends ChannelInboundHandlerAdapter {
    private final long timeoutNanos;
    private final ConnectionRefusals refusals;
    private boolean receiving;
    private long startedNanos;
    private ScheduledFuture<?> timer;
    private ChannelHandlerContext context;

    public RequestHeadTimeout(java.time.Duration timeout, ConnectionRefusals refusals) {
        this.timeoutNanos = timeout.toNanos();
        this.refusals = refusals;
    }

    /** The handler to place before the HTTP codec. */
    public ChannelHandler firstBytes() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (!receiving && msg instanceof ByteBuf bytes && bytes.isReadable()) {
                    started();
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    /**
     * The handler to place after an HTTP/2 stream's codec, where no bytes pass: the stream's head
     * arrives whole (the codec holds it until its last header frame), and the clock starts when it
     * comes without the end of the request, i.e. a body is still to come.
     */
    public ChannelHandler streamStart() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (!receiving && msg instanceof HttpRequest && !(msg instanceof LastHttpContent)) {
                    started();
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void started() {
        receiving = true;
        startedNanos = System.nanoTime();
        if (timer == null && context != null) {
            timer = context.executor().schedule(this::check, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof LastHttpContent) {
            receiving = false;
        }
        ctx.fireChannelRead(msg);
    }

    private void check() {
        timer = null;
        if (!receiving || !context.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (!context.channel().config().isAutoRead()) {
            startedNanos = now; // the gateway is busy with earlier requests and not reading: not the client's fault
        }
        long left = startedNanos + timeoutNanos - now;
        if (left > 0) {
            timer = context.executor().schedule(this::check, left, TimeUnit.NANOSECONDS);
            return;
        }
        refusals.refuse(context.channel(), Cause.REQUEST_HEAD_TIMEOUT, "request not complete within "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + "ms of its first byte (listener.requestHeadTimeout)");
    }
}
