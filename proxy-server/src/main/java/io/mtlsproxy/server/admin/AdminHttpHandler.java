package io.mtlsproxy.server.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty glue for {@link AdminEndpoints}: one request at a time per connection (the socket is not
 * read while a reload runs), answered on this connection's event loop.
 */
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHttpHandler.class);

    private final AdminEndpoints endpoints;

    AdminHttpHandler(AdminEndpoints endpoints) {
        this.endpoints = endpoints;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (request.decoderResult().isFailure()) {
            write(ctx, AdminEndpoints.Answer.error(400, "bad_request", "malformed HTTP request"), false);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        CompletableFuture<AdminEndpoints.Answer> answer;
        try {
            answer = endpoints.handle(request.method().name(), path);
        } catch (RuntimeException e) {
            log.warn("admin {} {} failed: {}", request.method(), path, e.toString());
            answer = CompletableFuture.completedFuture(AdminEndpoints.Answer.error(500, "internal_error", "internal error"));
        }
        if (answer.isDone()) {
            write(ctx, answer.join(), keepAlive);
            return;
        }
        ctx.channel().config().setAutoRead(false);
        answer.whenComplete((done, failure) -> ctx.executor().execute(() -> {
            ctx.channel().config().setAutoRead(true);
            write(ctx, failure == null ? done : AdminEndpoints.Answer.error(500, "internal_error", "internal error"), keepAlive);
        }));
    }

    private static void write(ChannelHandlerContext ctx, AdminEndpoints.Answer answer, boolean keepAlive) {
        ByteBuf body = ctx.alloc().buffer().writeBytes(answer.body().getBytes(StandardCharsets.UTF_8));
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(answer.status()), body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, answer.contentType());
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (answer.allow() != null) {
            response.headers().set(HttpHeaderNames.ALLOW, answer.allow());
        }
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection error: {}", cause.toString());
        ctx.close();
    }
}
