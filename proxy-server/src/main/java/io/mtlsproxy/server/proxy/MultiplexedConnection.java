package io.mtlsproxy.server.proxy;

import io.mtlsproxy.core.config.UpstreamTimeoutsConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 connection to a target, shared by the exchanges of its event loop, each on its own
 * stream (HTTP/1-style objects through {@link Http2StreamFrameToHttpObjectCodec}, so the exchange
 * is the same as over HTTP/1.1). It takes no more streams than the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS; exchanges asking while it opens wait for its first SETTINGS.
 * After a GOAWAY it takes no new stream and closes with its last one. Touched by its event loop alone.
 *
 * <p>Over TLS the protocol is ALPN's: when the server picks http/1.1 (or nothing), the connection
 * becomes an HTTP/1.1 one for the first waiting exchange, and joins the HTTP/1.1 pool after it.
 */
final class MultiplexedConnection extends ChannelInboundHandlerAdapter {
    /** Until the server's SETTINGS say otherwise: the least RFC 9113 recommends a server allows. */
    private static final int ASSUMED_MAX_STREAMS = 100;
    /** A server never pushes to us: we say so in our SETTINGS, and a pushed stream would be closed at once. */
    private static final ChannelInitializer<Channel> NO_PUSH = new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel stream) {
            stream.close();
        }
    };

    private final UpstreamConnections owner;
    private final UpstreamConnections.TargetPool pool;
    private final UpstreamTimeoutsConfig timeouts;
    private final List<Promise<UpstreamConnections.Lease>> waiting = new ArrayList<>(2);
    private Channel channel;
    private Http2FrameCodec codec;
    private ScheduledFuture<?> settingsTimer;
    private int streams;          // leased or waiting
    private boolean ready;        // the server's first SETTINGS arrived
    private boolean served;       // a stream was opened: later ones are on a reused connection
    private boolean draining;     // GOAWAY received: no new stream
    private boolean gone;         // closed, failed, or handed to the HTTP/1.1 pool

    MultiplexedConnection(UpstreamConnections owner, UpstreamConnections.TargetPool pool, UpstreamTimeoutsConfig timeouts) {
        this.owner = owner;
        this.pool = pool;
        this.timeouts = timeouts;
    }

    /** Opens the connection: h2 by ALPN over TLS, prior-knowledge h2c without. */
    void open(boolean tls) {
        Promise<Channel> connected = pool.loop.newPromise();
        owner.connect(pool, channel -> {
            this.channel = channel;
            if (tls) {
                channel.pipeline().addLast("alpn", new Negotiation());
            } else {
                addHttp2(channel.pipeline());
            }
        }, connected);
        connected.addListener(done -> {
            if (!done.isSuccess()) {
                failed(done.cause());
            }
        });
        // TCP, TLS and the server's SETTINGS, all within the connect timeout
        settingsTimer = pool.loop.schedule(() -> {
            if (!ready && !gone) {
                failed(new ConnectTimeoutException("no HTTP/2 SETTINGS from the upstream within "
                        + timeouts.connect().toMillis() + "ms"));
            }
        }, timeouts.connect().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Room for one more stream: not closing, and below the server's limit (or the assumed one while opening). */
    boolean hasRoom() {
        if (gone || draining || (channel != null && !channel.isActive() && ready)) {
            return false;
        }
        return streams < maxStreams();
    }

    /** Open with no stream: an idle connection. */
    boolean isIdle() {
        return ready && !gone && streams == 0;
    }

    private int maxStreams() {
        return ready ? Math.max(0, codec.connection().local().maxActiveStreams()) : ASSUMED_MAX_STREAMS;
    }

    /** A stream for an exchange: at once when the connection is ready, else when it is. */
    void lease(Promise<UpstreamConnections.Lease> promise) {
        streams++;
        if (ready) {
            openStream(promise);
        } else {
            waiting.add(promise);
        }
    }

    private void addHttp2(ChannelPipeline pipeline) {
        codec = Http2FrameCodecBuilder.forClient()
                // the response head limit of an HTTP/1.1 connection (HttpClientCodec's 16 KiB)
                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false).maxHeaderListSize(16 * 1024))
                .build();
        // ahead of the codec, so it sees every frame of every stream: it closes a connection left idle without streams
        // (each stream has its own idle timer for the exchange)
        pipeline.addLast("idle", new IdleStateHandler(0, 0, timeouts.idle().toMillis(), TimeUnit.MILLISECONDS));
        pipeline.addLast("h2", codec);
        pipeline.addLast("h2-streams", new Http2MultiplexHandler(NO_PUSH));
        pipeline.addLast("h2-connection", this);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // the connection reads for all its streams; each stream's own reads are what the exchange asks for
        ctx.channel().config().setAutoRead(true);
        ctx.channel().flush(); // the connection preface
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        ctx.flush(); // h2c: the preface the codec wrote when the connection opened
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2SettingsFrame && !ready && !gone) {
                ready(); // the codec applied them already: maxActiveStreams is the server's
            } else if (msg instanceof Http2GoAwayFrame goAway) {
                // streams above lastStreamId hear of it themselves (and are retried as never processed)
                draining = true;
                if (streams == 0) {
                    ctx.close();
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void ready() {
        ready = true;
        cancelSettingsTimer();
        if (maxStreams() == 0) {
            // a server that allows no stream yet: another connection would likely be told the same
            failed(new java.io.IOException("the upstream allows no HTTP/2 stream (SETTINGS_MAX_CONCURRENT_STREAMS 0)"));
            return;
        }
        List<Promise<UpstreamConnections.Lease>> asked = List.copyOf(waiting);
        waiting.clear();
        streams = 0;
        for (Promise<UpstreamConnections.Lease> promise : asked) {
            if (hasRoom()) {
                streams++;
                openStream(promise);
            } else {
                owner.acquire(pool, promise); // over the server's limit: another connection
            }
        }
    }

    private void openStream(Promise<UpstreamConnections.Lease> promise) {
        UpstreamRelay relay = new UpstreamRelay();
        boolean reused = served;
        served = true;
        new Http2StreamChannelBootstrap(channel)
                .option(ChannelOption.AUTO_READ, false)
                .attr(ProxyAttributes.TARGET, pool.target)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline().addLast("http", new Http2StreamFrameToHttpObjectCodec(false));
                        stream.pipeline().addLast("idle", new IdleStateHandler(0, 0, timeouts.idle().toMillis(),
                                TimeUnit.MILLISECONDS));
                        stream.pipeline().addLast("relay", relay);
                    }
                })
                .open()
                .addListener((Future<Http2StreamChannel> opened) -> {
                    if (!opened.isSuccess()) {
                        streamEnded();
                        if (reused) {
                            owner.acquire(pool, promise); // the connection went away since its last stream: another one
                        } else {
                            promise.tryFailure(opened.cause());
                        }
                        return;
                    }
                    Http2StreamChannel stream = opened.getNow();
                    stream.closeFuture().addListener(closed -> streamEnded());
                    if (!promise.trySuccess(new UpstreamConnections.Lease(stream, relay, reused, true))) {
                        stream.close();
                    }
                });
    }

    private void streamEnded() {
        streams--;
        if (streams == 0 && !gone && (draining || owner.closeWhenIdle(pool))) {
            channel.close();
        }
    }

    /** A retired generation's connection: closed now when no stream uses it, else with its last stream. */
    void closeIfIdle() {
        if (streams == 0 && channel != null) {
            channel.close();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (streams == 0) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        failed(new ClosedChannelException());
    }

    /** The connection will not be (or is no longer) usable: waiting exchanges fail as a connect failure would. */
    private void failed(Throwable cause) {
        cancelSettingsTimer();
        boolean wasGone = gone;
        gone = true;
        pool.multiplexed.remove(this);
        if (channel != null) {
            channel.close();
        }
        if (wasGone) {
            return;
        }
        List<Promise<UpstreamConnections.Lease>> asked = List.copyOf(waiting);
        waiting.clear();
        if (!ready) {
            streams = 0;
        }
        for (Promise<UpstreamConnections.Lease> promise : asked) {
            promise.tryFailure(cause);
        }
    }

    private void cancelSettingsTimer() {
        if (settingsTimer != null) {
            settingsTimer.cancel(false);
            settingsTimer = null;
        }
    }

    /** The server picked http/1.1, or nothing: the connection is an HTTP/1.1 one from here on. */
    private void fellBack(ChannelHandlerContext ctx, String protocol) {
        owner.fellBack(pool.target, protocol);
        cancelSettingsTimer();
        gone = true;
        pool.multiplexed.remove(this);
        UpstreamRelay relay = new UpstreamRelay();
        owner.addHttp1(ctx.pipeline(), relay);
        owner.http1Opened(pool, channel);
        List<Promise<UpstreamConnections.Lease>> asked = List.copyOf(waiting);
        waiting.clear();
        streams = 0;
        boolean handed = false;
        for (Promise<UpstreamConnections.Lease> promise : asked) {
            if (!handed && promise.trySuccess(new UpstreamConnections.Lease(channel, relay, false, false))) {
                handed = true;
            } else if (!promise.isDone()) {
                owner.acquire(pool, promise);
            }
        }
        if (!handed) {
            channel.close();
        }
    }

    /** The protocol ALPN chose, once the handshake is done; what the server sent meanwhile waits in this handler. */
    private final class Negotiation extends ApplicationProtocolNegotiationHandler {
        Negotiation() {
            super(ApplicationProtocolNames.HTTP_1_1);
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (gone) {
                ctx.close();
            } else if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                addHttp2(ctx.pipeline());
            } else {
                // the handler passes its fallback when the server chose nothing: say which it was
                String chosen = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class).applicationProtocol();
                fellBack(ctx, chosen);
            }
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // the connect promise reports it, in one log line of the exchange
        }
    }
}
