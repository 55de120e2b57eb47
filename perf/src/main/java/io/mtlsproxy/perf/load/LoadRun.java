package io.mtlsproxy.perf.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One run of the harness: warm-up, measured window, then every connection closed and the event
 * loops stopped, whatever happened. The server is read (CPU, memory) only at phase boundaries.
 */
final class LoadRun {
    // idle: handshakes in flight while opening, so a big --concurrency is a ramp, not a SYN flood
    static final int IDLE_OPENING_IN_FLIGHT = 64;
    private static final long CLOSE_GRACE_SECONDS = 10;

    private final LoadOptions options;
    private final NanoClock clock;
    private final List<String> warnings = new ArrayList<>();
    private final Optional<ObservedProcess> self = ObservedProcess.self();

    LoadRun(LoadOptions options, NanoClock clock) {
        this.options = options;
        this.clock = clock;
    }

    static LoadResult execute(LoadOptions options) throws Exception {
        return new LoadRun(options, NanoClock.system()).execute();
    }

    LoadResult execute() throws Exception {
        ObservedProcess server = options.serverPids().isEmpty() ? null : new ObservedProcess(options.serverPids());
        if (server != null) {
            server.maxOpenFiles().ifPresent(limit -> {
                if (options.mode().holdsConnections() && limit < options.filesNeeded()) {
                    warnings.add("the server's open-file limit is " + limit + ", below the " + options.concurrency()
                            + " connections asked for: raise its ulimit -n");
                }
            });
        }
        SslContext ssl = ClientTls.build(options, options.mode().reusesTlsSessions());
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(options.threads(), new DefaultThreadFactory("load"), io);
        ChannelGroup channels = new DefaultChannelGroup("load", GlobalEventExecutor.INSTANCE, true);
        try {
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, options.timeout().toMillis()));
            String transport = epoll ? "epoll" : "nio";
            return options.mode().holdsConnections()
                    ? idle(server, ssl, group, bootstrap, channels, transport)
                    : load(server, ssl, group, bootstrap, channels, transport);
        } finally {
            channels.close().awaitUninterruptibly(CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
            group.shutdownGracefully(0, CLOSE_GRACE_SECONDS, TimeUnit.SECONDS).awaitUninterruptibly();
            ReferenceCountUtil.release(ssl);
        }
    }

    /** Every mode but idle: loops making requests until the window ends. */
    private LoadResult load(ObservedProcess server, SslContext ssl, EventLoopGroup group, Bootstrap bootstrap,
            ChannelGroup channels, String transport) throws InterruptedException {
        long start = clock.nanoTime();
        long windowStart = start + options.warmup().toNanos();
        long windowEnd = windowStart + options.duration().toNanos();
        LoadStats stats = new LoadStats(windowStart, windowEnd);
        SendSchedule schedule = options.rate() == null ? SendSchedule.closedLoop(clock)
                : SendSchedule.fixedRate(clock, options.rate());
        RunContext run = new RunContext(options, ssl, clock, schedule, stats, channels, windowEnd);
        CountDownLatch finished = new CountDownLatch(options.concurrency());
        ConnectionLoop.Progress progress = new ConnectionLoop.Progress() {
            @Override
            public void settled(boolean live) {}

            @Override
            public void finished() {
                finished.countDown();
            }
        };
        for (int i = 0; i < options.concurrency(); i++) {
            new ConnectionLoop(run, bootstrap, group.next(), progress).start();
        }
        sleepUntil(windowStart);
        double cpuBefore = server == null ? 0 : server.cpuSeconds();
        double clientBefore = clientCpu();
        sleepUntil(windowEnd);
        double cpuAfter = server == null ? 0 : server.cpuSeconds();
        double clientUsed = clientCpu() - clientBefore;
        stop(run, channels, finished);
        LoadStats.Counts counts = stats.snapshot(windowEnd - windowStart);
        LoadResult.ServerFigures figures = server == null ? null
                : new LoadResult.ServerFigures(server.pid(), cpuAfter - cpuBefore, null, null, null, null);
        return new LoadResult(options, transport, counts, clientBefore < 0 ? -1 : clientUsed, figures, 0, 0, warnings);
    }

    /** Idle: open every connection (a bounded number at a time), prove each live, hold them all. */
    private LoadResult idle(ObservedProcess server, SslContext ssl, EventLoopGroup group, Bootstrap bootstrap,
            ChannelGroup channels, String transport) throws InterruptedException {
        Long rssBefore = server == null ? null : rssAfterOptionalGc(server);
        Long heapBefore = server == null ? null : heap(server);
        long start = clock.nanoTime();
        // every connection's outcome counts, from the first connect to the end of the hold
        LoadStats stats = new LoadStats(start, Long.MAX_VALUE);
        RunContext run = new RunContext(options, ssl, clock, SendSchedule.closedLoop(clock), stats, channels,
                Long.MAX_VALUE);
        int total = options.concurrency();
        CountDownLatch settledAll = new CountDownLatch(total);
        CountDownLatch finished = new CountDownLatch(total);
        AtomicLong live = new AtomicLong();
        List<ConnectionLoop> loops = new ArrayList<>(total);
        AtomicInteger nextToStart = new AtomicInteger();
        Runnable startNext = () -> {
            int index = nextToStart.getAndIncrement();
            if (index < total) {
                loops.get(index).start();
            }
        };
        ConnectionLoop.Progress progress = new ConnectionLoop.Progress() {
            @Override
            public void settled(boolean isLive) {
                if (isLive) {
                    live.incrementAndGet();
                }
                settledAll.countDown();
                startNext.run();
            }

            @Override
            public void finished() {
                finished.countDown();
            }
        };
        for (int i = 0; i < total; i++) {
            loops.add(new ConnectionLoop(run, bootstrap, group.next(), progress));
        }
        for (int i = 0; i < Math.min(total, IDLE_OPENING_IN_FLIGHT); i++) {
            startNext.run();
        }
        if (!settledAll.await(LoadOptions.MAX_DURATION.toNanos(), TimeUnit.NANOSECONDS)) {
            warnings.add("not every connection was open after " + LoadOptions.MAX_DURATION.toMinutes() + " minutes");
        }
        long opened = live.get();
        Long rssAfter = server == null ? null : rssAfterOptionalGc(server);
        Long heapAfter = server == null ? null : heap(server);
        long holdStart = clock.nanoTime();
        double cpuBefore = server == null ? 0 : server.cpuSeconds();
        double clientBefore = clientCpu();
        sleepUntil(holdStart + options.duration().toNanos());
        double cpuAfter = server == null ? 0 : server.cpuSeconds();
        double clientUsed = clientCpu() - clientBefore;
        long atEnd = channels.stream().filter(Channel::isActive).count();
        long held = clock.nanoTime() - holdStart;
        stop(run, channels, finished);
        LoadResult.ServerFigures figures = server == null ? null
                : new LoadResult.ServerFigures(server.pid(), cpuAfter - cpuBefore, rssBefore, rssAfter, heapBefore, heapAfter);
        return new LoadResult(options, transport, stats.snapshot(held), clientBefore < 0 ? -1 : clientUsed, figures,
                opened, atEnd, warnings);
    }

    /** The harness's own CPU seconds so far, or -1 where /proc is not there. */
    private double clientCpu() {
        return self.map(ObservedProcess::cpuSeconds).orElse(-1.0);
    }

    private Long rssAfterOptionalGc(ObservedProcess server) {
        if (options.serverGc() && server.heapUsedKib(true).isEmpty()) {
            warnings.add("jcmd could not run a GC in process " + server.pid());
        }
        return server.rssKib();
    }

    private Long heap(ObservedProcess server) {
        // the GC, if asked for, ran just before the RSS reading
        Optional<Long> used = server.heapUsedKib(false);
        if (used.isEmpty() && warnings.stream().noneMatch(w -> w.startsWith("jcmd"))) {
            warnings.add("jcmd cannot read the heap of process " + server.pid() + " (not a JVM, or another user's)");
        }
        return used.orElse(null);
    }

    private static void stop(RunContext run, ChannelGroup channels, CountDownLatch finished) throws InterruptedException {
        run.stop();
        channels.close().awaitUninterruptibly(CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
        finished.await(CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
    }

    private void sleepUntil(long deadline) throws InterruptedException {
        long left;
        while ((left = deadline - clock.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }
}
