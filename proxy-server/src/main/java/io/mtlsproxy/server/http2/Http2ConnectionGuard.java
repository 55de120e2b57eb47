package io.mtlsproxy.server.http2;

import io.mtlsproxy.server.ConnectionAttributes;
import io.mtlsproxy.server.http.ActiveRequests;
import io.mtlsproxy.server.tls.Admission;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the HTTP/1.1 API handler does for its connection, done for an HTTP/2 connection as a whole,
 * after the stream multiplexer: closes it when idle with no stream open, when the gateway begins to
 * drain, and when its admission turns out refused (once
 * the streams waiting for it have their answers). Closing an HTTP/2 connection sends GOAWAY and
 * lets the streams already open finish, within the codec's graceful-shutdown timeout.
 */
public final class Http2ConnectionGuard extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Http2ConnectionGuard.class);

    private final Http2Connection connection;
    private final ActiveRequests active;
    private boolean refused;

    public Http2ConnectionGuard(Http2Connection connection, ActiveRequests active) {
        this.connection = connection;
        this.active = active;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        connection.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                // a response has gone (or a stream was reset): what HTTP/1.1 would close after its response
                if (refused || active.isDraining()) {
                    ctx.executor().execute(ctx::close); // not from inside the codec's own stream bookkeeping
                }
            }
        });
        CompletableFuture<Admission> admission = ctx.channel().attr(ConnectionAttributes.ADMISSION).get();
        if (admission.isDone()) {
            onAdmission(ctx, admission);
        } else {
            admission.whenComplete((ignored, failure) -> ctx.executor().execute(() -> onAdmission(ctx, admission)));
        }
    }

    private void onAdmission(ChannelHandlerContext ctx, CompletableFuture<Admission> admission) {
        if (!admission.isCompletedExceptionally() && admission.join().admitted()) {
            return;
        }
        // each stream answers its own refusal; the connection goes once they have (or at once if some are open)
        refused = true;
        if (connection.numActiveStreams() > 0) {
            ctx.close();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == ActiveRequests.DrainStarted.INSTANCE) {
            ctx.close(); // GOAWAY: no new streams; those open finish within the codec's graceful-shutdown timeout
            return;
        }
        if (event instanceof IdleStateEvent) {
            // a stream waiting for its secret keeps the connection, as a waiting HTTP/1.1 request does
            if (connection.numActiveStreams() == 0) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        HandshakeFailureLog.connectionFailed(ctx, cause, log);
    }
}
