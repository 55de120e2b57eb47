package io.mtlsproxy.server.limits;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
import io.netty.channel.Channel;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections the abuse controls refused or closed, counted by cause. Each gets a log line, but
 * the lines share a budget (20 at once, then 10 a second): under a flood the rest are counted
 * and the next line that is written says how many were left out, so a flood cannot flood the log.
 */
public final class ConnectionRefusals {
    private static final Logger log = LoggerFactory.getLogger("mtls_proxy.limits");

    /** Why a connection was refused or closed; {@link #tag()} is the stable name (log and metric tag). */
    public enum Cause {
        NOT_ALLOWED(true),
        LOCKED_OUT(true),
        CONNECTION_LIMIT(true),
        IP_CONNECTION_LIMIT(true),
        HANDSHAKE_RATE(true),
        PROXY_HEADER_UNTRUSTED(true),
        PROXY_HEADER_MISSING(true),
        PROXY_V1(true),
        PROXY_HEADER_INVALID(true),
        PROXY_HEADER_TIMEOUT(true),
        PROXY_ADDRESS_UNSUPPORTED(true),
        FIRST_BYTES_TIMEOUT(true),
        REQUEST_HEAD_TIMEOUT(false),
        WRITE_TIMEOUT(false);

        private final String tag;
        private final boolean atAccept;

        Cause(boolean atAccept) {
            this.tag = name().toLowerCase(java.util.Locale.ROOT);
            this.atAccept = atAccept;
        }

        public String tag() {
            return tag;
        }
    }

    private final Map<Cause, LongAdder> counts = new EnumMap<>(Cause.class);
    private final Ticker ticker;
    private final TokenBucket logBudget;
    private final AtomicLong suppressed = new AtomicLong();

    public ConnectionRefusals(Ticker ticker) {
        this.ticker = ticker;
        this.logBudget = new TokenBucket(10, 20, ticker.read());
        for (Cause cause : Cause.values()) {
            counts.put(cause, new LongAdder());
        }
    }

    /** Connections refused or closed with this cause since start. */
    public long count(Cause cause) {
        return counts.get(cause).sum();
    }

    /** Log lines left out because of the budget, since the last line that was written. */
    long suppressedLines() {
        return suppressed.get();
    }

    /** Counts, logs within the budget, and closes the connection. */
    void refuse(Channel channel, Cause cause, String detail) {
        record(channel, cause, detail);
        channel.close();
    }

    /**
     * As {@link #refuse(Channel, Cause, String)}, closing from {@code ctx}: from below TLS this
     * skips the close_notify, which a client that does not read would never take.
     */
    void refuse(io.netty.channel.ChannelHandlerContext ctx, Cause cause, String detail) {
        record(ctx.channel(), cause, detail);
        ctx.close();
    }

    private void record(Channel channel, Cause cause, String detail) {
        counts.get(cause).increment();
        if (logBudget.tryTake(ticker.read()) == 0) {
            long left = suppressed.getAndSet(0);
            log.info("connection {} client={} cause={} detail={}{}", cause.atAccept ? "refused" : "closed",
                    HandshakeFailureLog.address(channel), cause.tag(), detail,
                    left == 0 ? "" : " (" + left + " similar lines suppressed)");
        } else {
            suppressed.incrementAndGet();
        }
    }
}
