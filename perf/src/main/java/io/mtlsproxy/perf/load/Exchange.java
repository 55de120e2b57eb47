package io.mtlsproxy.perf.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.internal.tcnative.SSL;
import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * The requests of one connection: after the handshake, the first request; after each complete
 * response, the next one (when the mode and the schedule allow), or the close. Counts every
 * outcome in the run's {@link LoadStats}, timed from the request's intended start.
 */
final class Exchange extends ChannelInboundHandlerAdapter implements ResponseParser.Listener {
    private final RunContext run;
    private final long connectionStart;
    private final Consumer<Boolean> settled;
    private final ResponseParser parser;
    private ChannelHandlerContext ctx;
    private long requestStart;
    private int sent;
    private boolean outstanding;
    private boolean failed;
    private boolean holding;
    private ScheduledFuture<?> timeoutCheck;

    /**
     * @param connectionStart intended start of the connection (and of its first request)
     * @param settled told once whether a held connection became live
     */
    Exchange(RunContext run, long connectionStart, Consumer<Boolean> settled) {
        this.run = run;
        this.connectionStart = connectionStart;
        this.requestStart = connectionStart;
        this.settled = settled;
        String expected = run.options.expectBody();
        this.parser = new ResponseParser(this, expected == null ? null : new BodyMatcher(expected));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                run.stats.handshake(sessionReused(ctx), connectionStart, run.now());
                send(connectionStart);
            } else {
                fail(handshake.cause() instanceof SslHandshakeTimeoutException ? ErrorKind.TIMEOUT : ErrorKind.TLS);
            }
        }
        super.userEventTriggered(ctx, event);
    }

    private static boolean sessionReused(ChannelHandlerContext ctx) {
        SSLEngine engine = ctx.pipeline().get(SslHandler.class).engine();
        // Netty keeps its own isSessionReused package-private; tcnative asks BoringSSL directly
        return engine instanceof ReferenceCountedOpenSslEngine openSsl && SSL.isSessionReused(openSsl.sslPointer());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (!failed) {
                parser.feed(in);
            }
        } catch (ResponseParser.ResponseFormatException e) {
            fail(ErrorKind.PROTOCOL);
        } finally {
            in.release();
        }
    }

    @Override
    public void response(int status, boolean bodyMatched, boolean serverCloses) {
        long now = run.now();
        outstanding = false;
        if (status != 200) {
            run.stats.error(ErrorKind.STATUS, requestStart, now);
        } else if (!bodyMatched) {
            run.stats.error(ErrorKind.BODY, requestStart, now);
        } else {
            run.stats.response(requestStart, now);
        }
        if (run.options.mode().holdsConnections()) {
            boolean ok = status == 200 && bodyMatched;
            if (ok && serverCloses) {
                // a connection the server will not keep cannot be held
                run.stats.error(ErrorKind.CLOSED, connectionStart, now);
            }
            holding = ok && !serverCloses;
            settled.accept(holding);
            if (!holding) {
                ctx.close();
            }
        } else if (!serverCloses && sent < run.requestsPerConnection && run.accepting()) {
            sendWhenDue();
        } else {
            ctx.close();
        }
    }

    private void sendWhenDue() {
        long intended = run.schedule.nextSendTime();
        long delay = intended - run.now();
        if (delay > 0) {
            ctx.executor().schedule(() -> {
                if (run.accepting() && ctx.channel().isActive()) {
                    send(intended);
                } else {
                    ctx.close();
                }
            }, delay, TimeUnit.NANOSECONDS);
        } else {
            send(intended);
        }
    }

    private void send(long intendedStart) {
        requestStart = intendedStart;
        outstanding = true;
        sent++;
        ctx.writeAndFlush(run.request(), ctx.voidPromise());
        if (timeoutCheck == null) {
            checkTimeoutIn(requestStart + run.timeoutNanos - run.now());
        }
    }

    /** One pending timer per connection, not one per request: it re-arms itself for the current request. */
    private void checkTimeoutIn(long delayNanos) {
        timeoutCheck = ctx.executor().schedule(() -> {
            timeoutCheck = null;
            if (outstanding && !failed) {
                long left = requestStart + run.timeoutNanos - run.now();
                if (left <= 0) {
                    fail(ErrorKind.TIMEOUT);
                } else {
                    checkTimeoutIn(left);
                }
            }
        }, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(kindOf(cause));
    }

    static ErrorKind kindOf(Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof SslHandshakeTimeoutException) {
            return ErrorKind.TIMEOUT;
        }
        if (root instanceof SSLException) {
            // under TLS 1.3 a refused client certificate arrives as an alert on the first read
            return ErrorKind.TLS;
        }
        return root instanceof IOException ? ErrorKind.CLOSED : ErrorKind.PROTOCOL;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (timeoutCheck != null) {
            timeoutCheck.cancel(false);
            timeoutCheck = null;
        }
        boolean cutShort = parser.endOfInput();
        if ((cutShort || outstanding || holding) && !failed && !run.stopping()) {
            // a held connection must stay open for the whole run: its closing is an error too
            failed = true;
            run.stats.error(ErrorKind.CLOSED, holding ? connectionStart : requestStart, run.now());
        }
        super.channelInactive(ctx);
    }

    private void fail(ErrorKind kind) {
        if (failed) {
            return;
        }
        failed = true;
        if (!run.stopping()) {
            run.stats.error(kind, outstanding || sent > 0 ? requestStart : connectionStart, run.now());
        }
        outstanding = false;
        ctx.close();
    }
}
