package io.mtlsproxy.server.proxy;

import io.mtlsproxy.core.config.UpstreamConfig;
import io.mtlsproxy.core.config.UpstreamTimeoutsConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.ServerChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Promise;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.net.InetSocketAddress;
import io.netty.util.NetUtil;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connections to one upstream's targets, kept alive between exchanges. Pools are per event loop:
 * a connection is opened on the event loop of the device connection that needs it (and with its
 * channel class), so an exchange never crosses threads, and each loop's pool is touched by that
 * loop alone. Closed with its configuration generation: idle connections at once, busy ones when
 * their exchange ends.
 */
final class UpstreamConnections {
    /** An upstream connection handed to an exchange; {@code reused} when it came from the pool. */
    record Lease(Channel channel, UpstreamRelay relay, boolean reused) {}

    private final String route;
    private final SslContext ssl;
    private final String serverName;
    private final UpstreamTimeoutsConfig timeouts;
    private final int maxIdlePerTarget;
    private final Map<EventLoop, Map<UpstreamTarget, ArrayDeque<Lease>>> idle = new ConcurrentHashMap<>();
    private final AtomicInteger opened = new AtomicInteger();
    private volatile boolean closed;

    private final Executor resolver;

    /**
     * @param ssl the client context for https targets, null for http ones
     * @param resolver where host names are resolved (the JDK's resolver blocks)
     */
    UpstreamConnections(String route, UpstreamConfig config, SslContext ssl, Executor resolver) {
        this.resolver = resolver;
        this.route = route;
        this.ssl = ssl;
        this.serverName = config.tls().serverName();
        this.timeouts = config.timeouts();
        this.maxIdlePerTarget = config.pool().maxIdlePerTarget();
    }

    /** Connections opened so far (tests, metrics). */
    int opened() {
        return opened.get();
    }

    /**
     * A connection to {@code target} on {@code downstream}'s event loop: a pooled one that is still
     * open, else a new one (TCP, and TLS for https, within the connect timeout). Completes on that loop.
     */
    Promise<Lease> acquire(UpstreamTarget target, Channel downstream) {
        EventLoop loop = downstream.eventLoop();
        Promise<Lease> promise = loop.newPromise();
        ArrayDeque<Lease> pooled = pool(loop, target);
        Lease lease;
        while ((lease = pooled.pollLast()) != null) { // the most recently used: the least likely to have been closed by the upstream
            if (lease.channel().isActive()) {
                lease.channel().config().setAutoRead(false);
                return promise.setSuccess(new Lease(lease.channel(), lease.relay(), true));
            }
        }
        connect(target, downstream, loop, promise);
        return promise;
    }

    private void connect(UpstreamTarget target, Channel downstream, EventLoop loop, Promise<Lease> promise) {
        UpstreamRelay relay = new UpstreamRelay();
        long connectMillis = timeouts.connect().toMillis();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(socketChannelClass(downstream))
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
                        channel.pipeline().addLast("http", new HttpClientCodec(4096, 16384, 8192, false));
                        channel.pipeline().addLast("idle", new IdleStateHandler(0, 0, timeouts.idle().toMillis(),
                                TimeUnit.MILLISECONDS));
                        channel.pipeline().addLast("relay", relay);
                    }
                });
        if (NetUtil.isValidIpV4Address(target.host()) || NetUtil.isValidIpV6Address(target.host())) {
            connect(bootstrap, new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(target.host()), target.port()),
                    target, relay, loop, promise);
            return;
        }
        // a name: resolved off the event loop (the JDK's resolver blocks), then connected on it
        CompletableFuture.supplyAsync(() -> new InetSocketAddress(target.host(), target.port()), resolver)
                .whenComplete((address, failure) -> loop.execute(() -> {
                    if (failure != null) {
                        promise.tryFailure(failure);
                    } else if (address.isUnresolved()) {
                        promise.tryFailure(new java.net.UnknownHostException(target.host()));
                    } else {
                        connect(bootstrap, address, target, relay, loop, promise);
                    }
                }));
    }

    private void connect(Bootstrap bootstrap, InetSocketAddress address, UpstreamTarget target, UpstreamRelay relay,
            EventLoop loop, Promise<Lease> promise) {
        ChannelFuture connecting = bootstrap.connect(address);
        connecting.addListener(connected -> {
            if (!connected.isSuccess()) {
                promise.tryFailure(connected.cause());
                return;
            }
            Channel channel = connecting.channel();
            opened.incrementAndGet();
            // one listener per connection, not per return to the pool
            channel.closeFuture().addListener(done -> pool(loop, target).removeIf(idle -> idle.channel() == channel));
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            if (tls == null) {
                promise.trySuccess(new Lease(channel, relay, false));
                return;
            }
            tls.handshakeFuture().addListener(handshake -> {
                if (handshake.isSuccess()) {
                    promise.trySuccess(new Lease(channel, relay, false));
                } else {
                    channel.close();
                    promise.tryFailure(handshake.cause());
                }
            });
        });
    }

    /**
     * Gives a connection back after its exchange: kept for the next one when {@code reusable}
     * and there is room, else closed. Called on the connection's event loop.
     */
    void release(Lease lease, boolean reusable) {
        Channel channel = lease.channel();
        lease.relay().detach();
        if (!reusable || closed || !channel.isActive() || maxIdlePerTarget == 0) {
            channel.close();
            return;
        }
        ArrayDeque<Lease> pooled = pool(channel.eventLoop(), target(lease));
        if (pooled.size() >= maxIdlePerTarget) {
            channel.close();
            return;
        }
        pooled.addLast(new Lease(channel, lease.relay(), false));
        // read while idle, so an upstream's close (or anything unexpected) is noticed before the next exchange
        channel.config().setAutoRead(true);
    }

    private UpstreamTarget target(Lease lease) {
        return lease.channel().attr(ProxyAttributes.TARGET).get();
    }

    private ArrayDeque<Lease> pool(EventLoop loop, UpstreamTarget target) {
        return idle.computeIfAbsent(loop, l -> new HashMap<>()).computeIfAbsent(target, t -> new ArrayDeque<>());
    }

    /** Closes the idle connections now; busy ones close when their exchange gives them back. */
    void close() {
        closed = true;
        for (Map.Entry<EventLoop, Map<UpstreamTarget, ArrayDeque<Lease>>> loop : idle.entrySet()) {
            if (loop.getKey().isShuttingDown()) {
                continue; // stopping: the loop closes its channels itself
            }
            try {
                loop.getKey().execute(() -> {
                    for (ArrayDeque<Lease> pooled : loop.getValue().values()) {
                        for (Lease lease : pooled.toArray(Lease[]::new)) {
                            lease.channel().close();
                        }
                        pooled.clear();
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                // the loop stopped meanwhile, and its channels with it
            }
        }
    }

    @Override
    public String toString() {
        return "UpstreamConnections[" + route + "]";
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
