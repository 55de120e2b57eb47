package io.mtlsproxy.server.proxy;

import io.mtlsproxy.core.config.UpstreamConfig;
import io.mtlsproxy.core.config.UpstreamTimeoutsConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.ServerChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections to one upstream's targets, kept between exchanges. Pools are per event loop: a
 * connection is opened on the event loop of the device connection that needs it (and with its
 * channel class), so an exchange never crosses threads, and each loop's pool is touched by that
 * loop alone. Closed with its configuration generation: idle connections at once, busy ones when
 * their exchange (for HTTP/2: their last stream) ends. It owns the route's client TLS context and
 * releases it on close; each open connection's engine holds the context until that connection's
 * SslHandler is removed, so BoringSSL frees it after the last of them.
 *
 * <p>HTTP/1.1 ({@code protocol: http1}): one exchange per connection at a time, idle ones kept
 * alive for the next. HTTP/2 ({@code protocol: h2}): each exchange is a stream of a
 * {@link MultiplexedConnection}; a new connection is opened only when every one of the target's
 * connections on this loop has as many streams as its server allows. A connection whose server
 * picks http/1.1 in ALPN joins the HTTP/1.1 pool of the target.
 */
final class UpstreamConnections {
    private static final Logger log = LoggerFactory.getLogger(UpstreamConnections.class);

    /**
     * An upstream connection handed to an exchange; {@code reused} when it (for a stream: its
     * connection) carried an exchange before, {@code multiplexed} when it is an HTTP/2 stream.
     */
    record Lease(Channel channel, UpstreamRelay relay, boolean reused, boolean multiplexed) {}

    private final String route;
    private final SslContext ssl;
    private final String serverName;
    private final UpstreamTimeoutsConfig timeouts;
    private final int maxIdlePerTarget;
    private final boolean h2;
    private final Map<EventLoop, Map<UpstreamTarget, TargetPool>> pools = new ConcurrentHashMap<>();
    private final Set<UpstreamTarget> fallbackLogged = ConcurrentHashMap.newKeySet();
    private final AtomicInteger opened = new AtomicInteger();
    private final Executor resolver;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param ssl the client context for https targets (offering h2 by ALPN for an h2 upstream), null for http
     *     ones; owned from here on, released by {@link #close}
     * @param resolver where host names are resolved (the JDK's resolver blocks)
     */
    UpstreamConnections(String route, UpstreamConfig config, SslContext ssl, Executor resolver) {
        this.resolver = resolver;
        this.route = route;
        this.ssl = ssl;
        this.serverName = config.tls().serverName();
        this.timeouts = config.timeouts();
        this.maxIdlePerTarget = config.pool().maxIdlePerTarget();
        this.h2 = config.protocol() == UpstreamConfig.Protocol.H2;
    }

    /** The client TLS context this pool owns; null for http targets (tests follow its references). */
    SslContext tls() {
        return ssl;
    }

    /** Connections opened so far (tests, metrics). */
    int opened() {
        return opened.get();
    }

    /** Whether exchanges go out as HTTP/2 streams (a connection may still fall back to HTTP/1.1). */
    boolean multiplexed() {
        return h2;
    }

    /**
     * A connection to {@code target} on {@code downstream}'s event loop: for h2 a new stream of a
     * connection with room, else a pooled HTTP/1.1 connection that is still open, else a new
     * connection (TCP, and TLS for https, within the connect timeout). Completes on that loop.
     */
    Promise<Lease> acquire(UpstreamTarget target, Channel downstream) {
        EventLoop loop = downstream.eventLoop();
        Promise<Lease> promise = loop.newPromise();
        acquire(pool(loop, target, socketChannelClass(downstream)), promise);
        return promise;
    }

    /** Also where an h2 connection sends the exchanges it could not take (full, or fallen back to HTTP/1.1). */
    void acquire(TargetPool pool, Promise<Lease> promise) {
        if (h2) {
            for (MultiplexedConnection connection : pool.multiplexed) {
                if (connection.hasRoom()) {
                    connection.lease(promise);
                    return;
                }
            }
        }
        Lease lease;
        while ((lease = pool.idle.pollLast()) != null) { // the most recently used: the least likely to have been closed by the upstream
            if (lease.channel().isActive()) {
                lease.channel().config().setAutoRead(false);
                promise.setSuccess(new Lease(lease.channel(), lease.relay(), true, false));
                return;
            }
        }
        if (h2) {
            MultiplexedConnection connection = new MultiplexedConnection(this, pool, timeouts);
            pool.multiplexed.add(connection);
            connection.lease(promise);
            connection.open(ssl != null);
        } else {
            connectHttp1(pool, promise);
        }
    }

    private void connectHttp1(TargetPool pool, Promise<Lease> promise) {
        UpstreamRelay relay = new UpstreamRelay();
        Promise<Channel> connected = pool.loop.newPromise();
        connect(pool, channel -> addHttp1(channel.pipeline(), relay), connected);
        connected.addListener(done -> {
            if (!done.isSuccess()) {
                promise.tryFailure(done.cause());
                return;
            }
            Channel channel = connected.getNow();
            http1Opened(pool, channel);
            promise.trySuccess(new Lease(channel, relay, false, false));
        });
    }

    /** The handlers of an HTTP/1.1 connection after TLS: also those of an h2 connection whose server chose http/1.1. */
    void addHttp1(ChannelPipeline pipeline, UpstreamRelay relay) {
        pipeline.addLast("http", new HttpClientCodec(4096, 16384, 8192, false));
        pipeline.addLast("idle", new IdleStateHandler(0, 0, timeouts.idle().toMillis(), TimeUnit.MILLISECONDS));
        pipeline.addLast("relay", relay);
    }

    /** One listener per HTTP/1.1 connection, not per return to the pool: a closed one leaves the pool. */
    void http1Opened(TargetPool pool, Channel channel) {
        channel.closeFuture().addListener(done -> pool.idle.removeIf(idle -> idle.channel() == channel));
    }

    /** An h2 connection whose server picked http/1.1 (or no protocol) in ALPN; said once per target and generation. */
    void fellBack(UpstreamTarget target, String protocol) {
        if (fallbackLogged.add(target)) {
            log.warn("upstream target does not speak h2 route={} target={} alpn={}; using HTTP/1.1 on such connections",
                    route, target, protocol == null ? "none" : protocol);
        }
    }

    /**
     * Opens a connection to the pool's target: TCP within the connect timeout, then TLS (its
     * handshake within the same timeout) for https; {@code handlers} come after TLS.
     * {@code connected} completes when the connection is open (and its handshake done).
     */
    void connect(TargetPool pool, Consumer<Channel> handlers, Promise<Channel> connected) {
        if (refusedAfterClose(connected)) {
            return;
        }
        UpstreamTarget target = pool.target;
        long connectMillis = timeouts.connect().toMillis();
        Bootstrap bootstrap = new Bootstrap()
                .group(pool.loop)
                .channel(pool.channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectMillis))
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .attr(ProxyAttributes.TARGET, target)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        if (ssl != null) {
                            SslHandler tls = ssl.newHandler(channel.alloc(),
                                    serverName != null ? serverName : target.host(), target.port());
                            tls.setHandshakeTimeoutMillis(connectMillis);
                            channel.pipeline().addLast("tls", tls);
                        }
                        handlers.accept(channel);
                    }
                });
        if (NetUtil.isValidIpV4Address(target.host()) || NetUtil.isValidIpV6Address(target.host())) {
            connect(bootstrap, new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(target.host()), target.port()),
                    connected);
            return;
        }
        // a name: resolved off the event loop (the JDK's resolver blocks), then connected on it
        CompletableFuture.supplyAsync(() -> new InetSocketAddress(target.host(), target.port()), resolver)
                .whenComplete((address, failure) -> pool.loop.execute(() -> {
                    if (failure != null) {
                        connected.tryFailure(failure);
                    } else if (address.isUnresolved()) {
                        connected.tryFailure(new java.net.UnknownHostException(target.host()));
                    } else if (!refusedAfterClose(connected)) { // released while the name was resolved
                        connect(bootstrap, address, connected);
                    }
                }));
    }

    /**
     * A connection asked for once the generation was released (an exchange whose device left, a
     * name resolved late) fails here: the TLS context it would need may be freed already.
     */
    private boolean refusedAfterClose(Promise<Channel> connected) {
        if (!closed.get()) {
            return false;
        }
        connected.tryFailure(new IllegalStateException("route " + route + ": its configuration generation was released"));
        return true;
    }

    private void connect(Bootstrap bootstrap, InetSocketAddress address, Promise<Channel> connected) {
        ChannelFuture connecting = bootstrap.connect(address);
        connecting.addListener(done -> {
            if (!done.isSuccess()) {
                connected.tryFailure(done.cause());
                return;
            }
            Channel channel = connecting.channel();
            opened.incrementAndGet();
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            if (tls == null) {
                connected.trySuccess(channel);
                return;
            }
            tls.handshakeFuture().addListener(handshake -> {
                if (handshake.isSuccess()) {
                    connected.trySuccess(channel);
                } else {
                    channel.close();
                    connected.tryFailure(handshake.cause());
                }
            });
        });
    }

    /**
     * Gives a connection back after its exchange. An HTTP/2 stream is closed (reset if it is not
     * over yet); its connection stays for the other streams. An HTTP/1.1 connection is kept for
     * the next exchange when {@code reusable} and there is room, else closed. Called on the
     * connection's event loop.
     */
    void release(Lease lease, boolean reusable) {
        Channel channel = lease.channel();
        lease.relay().detach();
        if (lease.multiplexed()) {
            channel.close();
            return;
        }
        if (!reusable || closed.get() || !channel.isActive() || maxIdlePerTarget == 0) {
            channel.close();
            return;
        }
        TargetPool pool = pools.get(channel.eventLoop()).get(channel.attr(ProxyAttributes.TARGET).get());
        if (pool.idle.size() >= maxIdlePerTarget) {
            channel.close();
            return;
        }
        pool.idle.addLast(new Lease(channel, lease.relay(), false, false));
        // read while idle, so an upstream's close (or anything unexpected) is noticed before the next exchange
        channel.config().setAutoRead(true);
    }

    /** Whether an h2 connection whose last stream just ended is one idle connection too many (or its generation retired). */
    boolean closeWhenIdle(TargetPool pool) {
        if (closed.get()) {
            return true;
        }
        int idle = 0;
        for (MultiplexedConnection connection : pool.multiplexed) {
            if (connection.isIdle()) {
                idle++;
            }
        }
        return idle > maxIdlePerTarget;
    }

    boolean isClosed() {
        return closed.get();
    }

    private TargetPool pool(EventLoop loop, UpstreamTarget target, Class<? extends Channel> channelClass) {
        return pools.computeIfAbsent(loop, l -> new HashMap<>())
                .computeIfAbsent(target, t -> new TargetPool(t, loop, channelClass));
    }

    /**
     * Closes the idle connections now; busy ones close when their exchange (their last stream) ends.
     * Releases the TLS context once, however often it is called.
     */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Map.Entry<EventLoop, Map<UpstreamTarget, TargetPool>> loop : pools.entrySet()) {
            if (loop.getKey().isShuttingDown()) {
                continue; // stopping: the loop closes its channels itself
            }
            try {
                loop.getKey().execute(() -> {
                    for (TargetPool pool : loop.getValue().values()) {
                        for (Lease lease : pool.idle.toArray(Lease[]::new)) {
                            lease.channel().close();
                        }
                        pool.idle.clear();
                        for (MultiplexedConnection connection : List.copyOf(pool.multiplexed)) {
                            connection.closeIfIdle();
                        }
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                // the loop stopped meanwhile, and its channels with it
            }
        }
        // the owner's reference: engines still open hold theirs, BoringSSL frees the context after the last
        ReferenceCountUtil.release(ssl);
    }

    @Override
    public String toString() {
        return "UpstreamConnections[" + route + "]";
    }

    /** The connections of one event loop to one target; touched by that loop alone. */
    static final class TargetPool {
        final UpstreamTarget target;
        final EventLoop loop;
        final Class<? extends Channel> channelClass;
        /** HTTP/1.1 connections between exchanges. */
        final ArrayDeque<Lease> idle = new ArrayDeque<>();
        /** HTTP/2 connections, opening or open, the first ones filled first. */
        final List<MultiplexedConnection> multiplexed = new ArrayList<>(2);

        TargetPool(UpstreamTarget target, EventLoop loop, Class<? extends Channel> channelClass) {
            this.target = target;
            this.loop = loop;
            this.channelClass = channelClass;
        }
    }

    /** The socket channel class of the device's connection (its parent's for a stream of a multiplexed one). */
    @SuppressWarnings("unchecked")
    private static Class<? extends Channel> socketChannelClass(Channel downstream) {
        Channel socket = downstream;
        while (socket.parent() != null && !(socket.parent() instanceof ServerChannel)) {
            socket = socket.parent();
        }
        return socket.getClass();
    }
}
