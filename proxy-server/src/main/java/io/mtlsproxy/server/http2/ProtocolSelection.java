package io.mtlsproxy.server.http2;

import io.mtlsproxy.server.ConnectionAttributes;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Sits just before the identity handler on a listener that offers h2: lets it decide, then gives a
 * connection it let through that chose {@code h2} in ALPN the HTTP/2 handlers instead of the
 * HTTP/1.1 ones, and leaves the pipeline. Every other connection keeps the HTTP/1.1 pipeline as it
 * was built; a refused or closed one never gets an HTTP/2 codec.
 *
 * <p>Decrypted bytes that would arrive before the handshake's completion event are held until the
 * protocol is known (they belong to whichever codec is chosen), and dropped if the connection is refused.
 */
public final class ProtocolSelection extends ChannelInboundHandlerAdapter {
    private final List<String> http1Handlers;
    private final Consumer<ChannelPipeline> http2Handlers;
    private List<Object> early;
    private boolean admitted;

    /**
     * @param http1Handlers names of the HTTP/1.1 handlers after the identity handler, removed for h2
     * @param http2Handlers adds the HTTP/2 handlers at the end of the pipeline
     */
    public ProtocolSelection(List<String> http1Handlers, Consumer<ChannelPipeline> http2Handlers) {
        this.http1Handlers = List.copyOf(http1Handlers);
        this.http2Handlers = http2Handlers;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (!(event instanceof SslHandshakeCompletionEvent handshake)) {
            ctx.fireUserEventTriggered(event);
            return;
        }
        ctx.fireUserEventTriggered(event); // the identity handler pins the identity (or refuses) inside this call
        // ADMISSION is set exactly when the identity handler let the connection send requests
        admitted = handshake.isSuccess() && ctx.channel().isActive()
                && ctx.channel().attr(ConnectionAttributes.ADMISSION).get() != null;
        if (admitted && ApplicationProtocolNames.HTTP_2.equals(ctx.pipeline().get(SslHandler.class).applicationProtocol())) {
            ChannelPipeline pipeline = ctx.pipeline();
            for (String name : http1Handlers) {
                pipeline.remove(name);
            }
            http2Handlers.accept(pipeline);
        }
        if (ctx.pipeline().context(this) != null) {
            ctx.pipeline().remove(this); // a refused connection's close may have emptied the pipeline already
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // only before the handshake's completion: this handler leaves the pipeline then
        if (early == null) {
            early = new ArrayList<>(2);
        }
        early.add(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (early == null) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (early == null) {
            return;
        }
        List<Object> held = early;
        early = null;
        if (admitted && ctx.channel().isActive()) {
            for (Object msg : held) {
                ctx.fireChannelRead(msg);
            }
            ctx.fireChannelReadComplete();
        } else {
            held.forEach(ReferenceCountUtil::release);
        }
    }
}
