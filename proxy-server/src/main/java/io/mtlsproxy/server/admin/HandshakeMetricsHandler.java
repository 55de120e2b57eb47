package io.mtlsproxy.server.admin;

import io.mtlsproxy.server.ConnectionAttributes;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/**
 * Sits before the identity handler (with HTTP/2 on, the protocol choice sits between): lets it
 * pin the identity, then counts the completed handshake and notes the client certificate's expiry,
 * once per connection, and leaves the pipeline. Refusals are counted where they are logged
 * ({@code HandshakeFailureLog}).
 */
@ChannelHandler.Sharable
public final class HandshakeMetricsHandler extends ChannelInboundHandlerAdapter {
    private final GatewayMetrics metrics;

    public HandshakeMetricsHandler(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (!(event instanceof SslHandshakeCompletionEvent handshake)) {
            ctx.fireUserEventTriggered(event);
            return;
        }
        ctx.fireUserEventTriggered(event); // the identity handler runs (and decides) inside this call
        // admitted to send requests (now or after the asynchronous checks): the identity handler let it through
        if (handshake.isSuccess() && ctx.channel().attr(ConnectionAttributes.ADMISSION).get() != null) {
            metrics.connected(ctx.channel().attr(ConnectionAttributes.CLIENT_IDENTITY).get());
        }
        ctx.pipeline().remove(this);
    }
}
