package io.mtlsproxy.perf.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;

/** What every connection of a run shares: settings, TLS context, schedule, figures, the request bytes. */
final class RunContext {
    final LoadOptions options;
    final SslContext ssl;
    final NanoClock clock;
    final SendSchedule schedule;
    final LoadStats stats;
    final ChannelGroup channels;
    final long timeoutNanos;
    final int requestsPerConnection;
    /** Until when new requests and connections start; afterwards connections only finish. */
    private final long acceptUntil;
    private final ByteBuf request;
    private volatile boolean stopping;

    RunContext(LoadOptions options, SslContext ssl, NanoClock clock, SendSchedule schedule, LoadStats stats,
            ChannelGroup channels, long acceptUntil) {
        this.options = options;
        this.ssl = ssl;
        this.clock = clock;
        this.schedule = schedule;
        this.stats = stats;
        this.channels = channels;
        this.acceptUntil = acceptUntil;
        this.timeoutNanos = options.timeout().toNanos();
        this.requestsPerConnection = options.requestsOnEachConnection();
        // encoded once; each write sends a duplicate of it, so a request allocates no bytes of its own
        this.request = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(requestBytes(options)).asReadOnly());
    }

    static byte[] requestBytes(LoadOptions options) {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return ("GET " + options.path() + " HTTP/1.1\r\n"
                + "Host: " + host + ":" + options.port() + "\r\n"
                + "User-Agent: mtls-proxy-load\r\n"
                + "Accept: */*\r\n"
                + (options.mode().oneRequestPerConnection() ? "Connection: close\r\n" : "")
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    ByteBuf request() {
        return request.duplicate();
    }

    long now() {
        return clock.nanoTime();
    }

    /** Whether a new request or connection may start now. */
    boolean accepting() {
        return !stopping && clock.nanoTime() < acceptUntil;
    }

    boolean stopping() {
        return stopping;
    }

    /** From now on connections close without their closing being counted as errors. */
    void stop() {
        stopping = true;
    }

    void track(Channel channel) {
        channels.add(channel);
    }
}
