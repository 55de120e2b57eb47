package io.mtlsproxy.server.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an upstream connection: hands what arrives to the exchange using the
 * connection, if any. A pooled (idle) connection has no exchange: anything it receives is
 * unexpected (an upstream must not answer what was not asked), so it is dropped with the connection.
 * On an HTTP/2 stream it also notes a GOAWAY or REFUSED_STREAM that says the server never processed
 * the request, so the exchange may retry it.
 */
final class UpstreamRelay extends ChannelInboundHandlerAdapter {
    private UpstreamListener listener;
    private Throwable failure;

    void attach(UpstreamListener listener) {
        this.listener = listener;
    }

    void detach() {
        this.listener = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamListener l = listener;
        if (l == null) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        l.upstreamRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.upstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.upstreamWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2GoAwayFrame goAway) {
            // sent to the streams above the GOAWAY's lastStreamId, which the server did not and will not process
            goAway.release();
            failure = new UnprocessedRequestException("GOAWAY");
            return;
        }
        if (evt instanceof Http2ResetFrame reset && reset.errorCode() == Http2Error.REFUSED_STREAM.code()) {
            failure = new UnprocessedRequestException("REFUSED_STREAM");
            return;
        }
        if (evt instanceof IdleStateEvent) {
            if (listener != null) {
                listener.upstreamIdle();
            } else {
                ctx.close(); // idle in the pool for the idle timeout
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(failure instanceof UnprocessedRequestException)) {
            failure = cause;
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        listener = null;
        if (l != null) {
            l.upstreamClosed(failure);
        }
    }
}
