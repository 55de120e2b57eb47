package io.mtlsproxy.perf.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.TimeUnit;

/**
 * One of the {@code --concurrency} loops: it opens a connection, lets its {@link Exchange} make
 * the mode's requests, and when the connection closes opens the next, until the run stops
 * accepting. Everything runs on the loop's own event loop, so its state needs no locks.
 */
final class ConnectionLoop {
    /** Listens to the loop; called on its event loop. */
    interface Progress {
        /** The loop's connection is live (hold modes: handshake and first response done) or failed to become so. */
        void settled(boolean live);

        /** The loop will open no more connections and has none open. */
        void finished();
    }

    // after a failed connect a closed loop would otherwise spin on a refusing port
    private static final long RETRY_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final RunContext run;
    private final EventLoop eventLoop;
    private final Bootstrap bootstrap;
    private final Progress progress;
    private boolean settled;

    ConnectionLoop(RunContext run, Bootstrap template, EventLoop eventLoop, Progress progress) {
        this.run = run;
        this.eventLoop = eventLoop;
        this.bootstrap = template.clone(eventLoop);
        this.progress = progress;
    }

    void start() {
        eventLoop.execute(this::openNext);
    }

    private void openNext() {
        if (!run.accepting()) {
            progress.finished();
            return;
        }
        // the first request of a connection is due when the connection starts opening: its latency includes both
        long intended = run.schedule.nextSendTime();
        long delay = intended - run.now();
        if (delay > 0) {
            eventLoop.schedule(() -> connect(intended), delay, TimeUnit.NANOSECONDS);
        } else {
            connect(intended);
        }
    }

    private void connect(long intendedStart) {
        if (!run.accepting()) {
            progress.finished();
            return;
        }
        Exchange exchange = new Exchange(run, intendedStart, this::settle);
        ChannelFuture connected = bootstrap.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                SslHandler tls = run.ssl.newHandler(channel.alloc(), run.options.host(), run.options.port());
                tls.setHandshakeTimeout(run.timeoutNanos, TimeUnit.NANOSECONDS);
                channel.pipeline().addLast("tls", tls).addLast("exchange", exchange);
            }
        }).connect(run.options.host(), run.options.port());
        run.track(connected.channel());
        connected.addListener((ChannelFuture future) -> {
            if (future.isSuccess()) {
                future.channel().closeFuture().addListener(closed -> closed());
            } else {
                if (!run.stopping()) {
                    run.stats.error(ErrorKind.CONNECT, intendedStart, run.now());
                }
                settle(false);
                if (run.options.mode().holdsConnections()) {
                    progress.finished();
                } else {
                    eventLoop.schedule(this::openNext, RETRY_DELAY_NANOS, TimeUnit.NANOSECONDS);
                }
            }
        });
    }

    private void closed() {
        settle(false);
        if (run.options.mode().holdsConnections()) {
            // a held connection is not replaced: the figures are about the ones opened at the start
            progress.finished();
        } else {
            openNext();
        }
    }

    private void settle(boolean live) {
        if (!settled) {
            settled = true;
            progress.settled(live);
        }
    }
}
