package io.mtlsproxy.server.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.LimitsConfig;
import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.core.config.LockoutConfig;
import io.mtlsproxy.core.config.RateLimitConfig;
import io.mtlsproxy.core.net.CidrSet;
import io.mtlsproxy.server.ConnectionAttributes;
import io.mtlsproxy.server.limits.ConnectionRefusals.Cause;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device listener's abuse controls, built once from the configuration: the admission of a
 * new connection (address allowlist, lockout, connection limits, new-connection rate, all before
 * any TLS work), the request limits, and the lockout fed by refusals.
 *
 * <p>Memory is bounded: buckets and refusal counts live in two Caffeine caches (addresses,
 * identities), each at most {@code limits.maxTrackedClients} entries, forgotten after a quiet
 * spell longer than any bucket's refill and any lockout. A client that is forgotten starts again
 * with a full bucket, which only ever happens to clients that were quiet. Time is the injected
 * {@link Ticker}, so tests drive it.
 */
public final class AbuseControls {
    private static final Logger log = LoggerFactory.getLogger("mtls_proxy.limits");
    /** The address's state, pinned at admission so the request path needs no lookup. */
    static final AttributeKey<ClientState> ADDRESS_STATE = AttributeKey.valueOf("mtls-proxy.address-state");

    private final LimitsConfig limits;
    private final Ticker ticker;
    private final CidrSet allowedClients;
    private final ConnectionRefusals refusals;
    private final ConnectionCounts connections;
    private final Cache<InetAddress, ClientState> addresses;
    private final Cache<String, ClientState> identities;
    private final RequestLimits requests;
    private final LongAdder addressLockouts = new LongAdder();
    private final LongAdder identityLockouts = new LongAdder();

    private AbuseControls(LimitsConfig limits, ListenerConfig listener, Ticker ticker) {
        this.limits = limits;
        this.ticker = ticker;
        this.allowedClients = CidrSet.parse(listener.allowedClients());
        this.refusals = new ConnectionRefusals(ticker);
        this.connections = new ConnectionCounts(limits.maxConnections(), limits.maxConnectionsPerIp());
        LockoutConfig lockout = limits.lockout();
        boolean addressLockout = lockout.enabled() && lockout.byIp();
        boolean identityLockout = lockout.enabled() && lockout.byIdentity();
        Duration forgetAfter = forgetAfter(limits);
        this.addresses = limits.perIp().enabled() || limits.handshakesPerIp().enabled() || addressLockout
                ? cache(limits.maxTrackedClients(), forgetAfter, ticker) : null;
        this.identities = limits.perIdentity().enabled() || identityLockout
                ? cache(limits.maxTrackedClients(), forgetAfter, ticker) : null;
        this.requests = new RequestLimits(this, limits.perIdentity().enabled(), limits.perIp().enabled(),
                identityLockout, addressLockout);
    }

    public static AbuseControls fromConfig(LimitsConfig limits, ListenerConfig listener, Ticker ticker) {
        return new AbuseControls(limits, listener, ticker);
    }

    private static <K> Cache<K, ClientState> cache(int maxEntries, Duration forgetAfter, Ticker ticker) {
        return Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfterAccess(forgetAfter)
                .ticker(ticker)
                .<K, ClientState>evictionListener((key, state, cause) -> {
                    if (state != null) {
                        state.retire();
                    }
                })
                .build();
    }

    /** Long enough that a forgotten client's bucket would have been full again and its lockout over. */
    private static Duration forgetAfter(LimitsConfig limits) {
        Duration longest = Duration.ofMinutes(1);
        for (RateLimitConfig rate : new RateLimitConfig[] {limits.perIdentity(), limits.perIp(), limits.handshakesPerIp()}) {
            if (rate.enabled()) {
                Duration refill = Duration.ofNanos((long) Math.ceil(rate.effectiveBurst() * 1e9 / rate.rate()));
                longest = max(longest, refill);
            }
        }
        if (limits.lockout().enabled()) {
            longest = max(longest, limits.lockout().window());
            longest = max(longest, limits.lockout().duration());
        }
        return longest.plusSeconds(1);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * Decides whether a new connection may go on, before any TLS work: allowlist, lockout of the
     * address, connection limits, then the address's new-connection rate. A refused connection is
     * counted, logged (within the log budget) and closed. Runs on the connection's event loop, once
     * the client address is known (with PROXY v2, after the header).
     *
     * @return whether the connection was admitted
     */
    public boolean admit(Channel channel) {
        SocketAddress client = ConnectionAttributes.clientAddress(channel);
        if (!(client instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            refusals.refuse(channel, Cause.NOT_ALLOWED, "no IP address");
            return false;
        }
        InetAddress ip = inet.getAddress();
        if (!allowedClients.isEmpty() && !allowedClients.contains(ip)) {
            refusals.refuse(channel, Cause.NOT_ALLOWED, "not in listener.allowedClients");
            return false;
        }
        long now = ticker.read();
        ClientState state = addresses == null ? null : addresses.get(ip, k -> ClientState.forAddress(limits, now));
        if (state != null) {
            long locked = state.lockedFor(now);
            if (locked > 0) {
                refusals.refuse(channel, Cause.LOCKED_OUT, "address locked out for " + seconds(locked) + "s more");
                return false;
            }
        }
        ConnectionCounts.Verdict opened = connections.tryOpen(ip);
        if (opened != ConnectionCounts.Verdict.OPENED) {
            boolean total = opened == ConnectionCounts.Verdict.TOTAL_LIMIT;
            refusals.refuse(channel, total ? Cause.CONNECTION_LIMIT : Cause.IP_CONNECTION_LIMIT, total
                    ? limits.maxConnections() + " connections open (limits.maxConnections)"
                    : limits.maxConnectionsPerIp() + " connections open from this address (limits.maxConnectionsPerIp)");
            return false;
        }
        channel.closeFuture().addListener(closed -> connections.closed(ip));
        if (state != null && state.handshakes != null) {
            long wait = state.handshakes.tryTake(now);
            if (wait > 0) {
                refusals.refuse(channel, Cause.HANDSHAKE_RATE, "new connections from this address over "
                        + limits.handshakesPerIp().rate() + "/s (limits.handshakesPerIp)");
                return false;
            }
        }
        if (state != null) {
            channel.attr(ADDRESS_STATE).set(state);
        }
        return true;
    }

    /** A handshake the certificate policy refused: counts against the address (the certificate names no one). */
    public void handshakeRefused(Channel channel) {
        if (!requests.addressLockout()) {
            return;
        }
        ClientState state = addressState(channel);
        if (state != null) {
            touch(channel, null);
            refused(state, channel, null);
        }
    }

    /** Counts one refusal against a client and starts its lockout when it reaches the limit. */
    void refused(ClientState state, Channel channel, String identity) {
        long now = ticker.read();
        if (state.refused(now, limits.lockout())) {
            (identity == null ? addressLockouts : identityLockouts).increment();
            log.warn("client locked out {}={} client={} refusals={} within={} for={}", identity == null ? "address" : "identity",
                    identity == null ? HandshakeFailureLog.address(channel) : identity, HandshakeFailureLog.address(channel),
                    limits.lockout().maxRefusals(), limits.lockout().window(), limits.lockout().duration());
        }
    }

    /** The connection's address state, looked up again if the registry forgot the one pinned at admission. */
    ClientState addressState(Channel channel) {
        ClientState state = channel.attr(ADDRESS_STATE).get();
        if (addresses == null) {
            return null;
        }
        if (state == null || state.isRetired()) {
            SocketAddress client = ConnectionAttributes.clientAddress(channel);
            if (!(client instanceof InetSocketAddress inet) || inet.getAddress() == null) {
                return null;
            }
            long now = ticker.read();
            state = addresses.get(inet.getAddress(), k -> ClientState.forAddress(limits, now));
            channel.attr(ADDRESS_STATE).set(state);
        }
        return state;
    }

    /** The identity's state (created on first use), or null when no identity limit is on. */
    ClientState identityState(String sha256) {
        if (identities == null) {
            return null;
        }
        long now = ticker.read();
        return identities.get(sha256, k -> ClientState.forIdentity(limits, now));
    }

    /**
     * Keeps a refused client remembered: the request path holds references and does not touch the
     * caches, so a client that is being refused must, or its lockout could be forgotten.
     */
    void touch(Channel channel, String sha256) {
        if (identities != null && sha256 != null) {
            identities.getIfPresent(sha256);
        }
        if (addresses != null && ConnectionAttributes.clientAddress(channel) instanceof InetSocketAddress inet
                && inet.getAddress() != null) {
            addresses.getIfPresent(inet.getAddress());
        }
    }

    long now() {
        return ticker.read();
    }

    static long seconds(long nanos) {
        return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(nanos + 999_999_999L));
    }

    public RequestLimits requests() {
        return requests;
    }

    public ConnectionRefusals refusals() {
        return refusals;
    }

    /** Connections open now (admitted and not yet closed). */
    public int openConnections() {
        return connections.open();
    }

    /** Lockouts started so far, of addresses and of identities. */
    public long addressLockouts() {
        return addressLockouts.sum();
    }

    public long identityLockouts() {
        return identityLockouts.sum();
    }
}
