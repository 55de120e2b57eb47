package io.mtlsproxy.server.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.TooLongHttpLineException;

/**
 * {@code listener.maxUriLength} for an HTTP/2 request, whose {@code :path} no line parser limits:
 * a longer one is marked as the HTTP/1.1 decoder marks a too-long request line, so the API handler
 * answers it the same way (414, {@code uri_too_long}).
 */
final class StreamUriLimit extends ChannelInboundHandlerAdapter {
    private final int maxUriLength;

    StreamUriLimit(int maxUriLength) {
        this.maxUriLength = maxUriLength;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()
                && request.uri().length() > maxUriLength) {
            request.setDecoderResult(DecoderResult.failure(new TooLongHttpLineException(
                    "the request's :path is longer than " + maxUriLength + " characters")));
        }
        ctx.fireChannelRead(msg);
    }
}
