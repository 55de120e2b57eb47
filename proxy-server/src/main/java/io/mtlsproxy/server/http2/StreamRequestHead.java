package io.mtlsproxy.server.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * An HTTP/2 request's head as the API handler expects one from HTTP/1.1:
 * <ul>
 *   <li>without the {@code x-http2-*} headers Netty's conversion adds (stream id, scheme, ...),
 *       nor any a client sent under those names: nothing behind the gateway should read them as the
 *       gateway's word;</li>
 *   <li>with {@code listener.maxUriLength} applied to its {@code :path}, which no line parser
 *       limits: a longer one is marked as the HTTP/1.1 decoder marks a too-long request line, so it
 *       is answered the same way (414, {@code uri_too_long}).</li>
 * </ul>
 */
final class StreamRequestHead extends ChannelInboundHandlerAdapter {
    private final int maxUriLength;

    StreamRequestHead(int maxUriLength) {
        this.maxUriLength = maxUriLength;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            HttpHeaders headers = request.headers();
            for (HttpConversionUtil.ExtensionHeaderNames extension : HttpConversionUtil.ExtensionHeaderNames.values()) {
                headers.remove(extension.text());
            }
            if (request.decoderResult().isSuccess() && request.uri().length() > maxUriLength) {
                request.setDecoderResult(DecoderResult.failure(new TooLongHttpLineException(
                        "the request's :path is longer than " + maxUriLength + " characters")));
            }
        }
        ctx.fireChannelRead(msg);
    }
}
