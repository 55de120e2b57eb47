package io.mtlsproxy.server.limits;

import io.mtlsproxy.core.error.ErrorCode;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * Rate limits and lockout of requests, checked after the route is known and before the secret is
 * read. A connection looks its states up once ({@link #client}); each request then reads a
 * volatile or two and takes a token with one CAS: no lookup, no lock, no allocation when allowed.
 *
 * <p>Over a rate: {@code 429 rate_limited} with {@code Retry-After} the seconds until a token. A
 * locked-out identity or address: {@code 429 locked_out} with {@code Retry-After} the seconds the
 * lockout still lasts (429 rather than 403: the refusal is about the client's behaviour and ends
 * by itself, and Retry-After is 429's header). Responses 401 and 403 count towards the lockout;
 * 429s do not (waiting is what the client was told to do).
 */
public final class RequestLimits {
    /** No limit at all (tests of other parts, and a gateway without a limits section). */
    public static final RequestLimits NONE = new RequestLimits(null, false, false, false, false);

    private final AbuseControls controls;
    private final boolean identityRate;
    private final boolean addressRate;
    private final boolean identityLockout;
    private final boolean addressLockout;
    private final boolean any;
    private final LongAdder identityRateLimited;
    private final LongAdder addressRateLimited;
    private final LongAdder lockedOut;

    RequestLimits(AbuseControls controls, boolean identityRate, boolean addressRate, boolean identityLockout,
            boolean addressLockout) {
        this(controls, identityRate, addressRate, identityLockout, addressLockout, new LongAdder(), new LongAdder(),
                new LongAdder());
    }

    private RequestLimits(AbuseControls controls, boolean identityRate, boolean addressRate, boolean identityLockout,
            boolean addressLockout, LongAdder identityRateLimited, LongAdder addressRateLimited, LongAdder lockedOut) {
        this.identityRateLimited = identityRateLimited;
        this.addressRateLimited = addressRateLimited;
        this.lockedOut = lockedOut;
        this.controls = controls;
        this.identityRate = identityRate;
        this.addressRate = addressRate;
        this.identityLockout = identityLockout;
        this.addressLockout = addressLockout;
        this.any = identityRate || addressRate || identityLockout || addressLockout;
    }

    /**
     * The same limits of identities, without those of addresses: behind an ingress every request
     * comes from the ingress's address, which must not be rate limited or locked out for the
     * devices it carries. Counted with this instance.
     */
    public RequestLimits identitiesOnly() {
        return new RequestLimits(controls, identityRate, false, identityLockout, false, identityRateLimited,
                addressRateLimited, lockedOut);
    }

    /** A refused request: the code (429), why (for the audit line), and when to come back. */
    public record Refusal(ErrorCode code, String reason, Duration retryAfter) {}

    /** One connection's view of its client's states, kept by the connection's HTTP handler. */
    public static final class Client {
        private final Channel channel;
        private final String identity;
        private ClientState identityState;
        private ClientState addressState;

        private Client(Channel channel, String identity, ClientState identityState, ClientState addressState) {
            this.channel = channel;
            this.identity = identity;
            this.identityState = identityState;
            this.addressState = addressState;
        }
    }

    /** Looks the connection's states up; {@code identity} is null when the connection has none (audit mode). */
    public Client client(Channel channel, ClientIdentity identity) {
        if (!any) {
            return new Client(channel, null, null, null);
        }
        String sha256 = identity == null ? null : identity.sha256();
        return new Client(channel, sha256, sha256 == null ? null : controls.identityState(sha256),
                addressRate || addressLockout ? controls.addressState(channel) : null);
    }

    /** @return null when the request may go on, otherwise why not */
    public Refusal check(Client client) {
        if (!any) {
            return null;
        }
        refresh(client);
        long now = controls.now();
        ClientState identity = client.identityState;
        ClientState address = client.addressState;
        if (identityLockout && identity != null) {
            long locked = identity.lockedFor(now);
            if (locked > 0) {
                return refuse(client, lockedOut, ErrorCode.LOCKED_OUT, "identity", locked);
            }
        }
        if (addressLockout && address != null) {
            long locked = address.lockedFor(now);
            if (locked > 0) {
                return refuse(client, lockedOut, ErrorCode.LOCKED_OUT, "address", locked);
            }
        }
        if (identityRate && identity != null) {
            long wait = identity.requests.tryTake(now);
            if (wait > 0) {
                return refuse(client, identityRateLimited, ErrorCode.RATE_LIMITED, "identity", wait);
            }
        }
        if (addressRate && address != null) {
            long wait = address.requests.tryTake(now);
            if (wait > 0) {
                return refuse(client, addressRateLimited, ErrorCode.RATE_LIMITED, "address", wait);
            }
        }
        return null;
    }

    private Refusal refuse(Client client, LongAdder counter, ErrorCode code, String scope, long waitNanos) {
        counter.increment();
        controls.touch(client.channel, client.identity);
        return new Refusal(code, scope, Duration.ofSeconds(AbuseControls.seconds(waitNanos)));
    }

    /** A request answered 401 or 403: one refusal for the lockout, of the identity and of the address. */
    public void refused(Client client) {
        if (!identityLockout && !addressLockout) {
            return;
        }
        refresh(client);
        controls.touch(client.channel, client.identity);
        if (identityLockout && client.identityState != null) {
            controls.refused(client.identityState, client.channel, client.identity);
        }
        if (addressLockout && client.addressState != null) {
            controls.refused(client.addressState, client.channel, null);
        }
    }

    /** Looks a state up again when the registry has forgotten it (a volatile read otherwise). */
    private void refresh(Client client) {
        if (client.identityState != null && client.identityState.isRetired()) {
            client.identityState = controls.identityState(client.identity);
        }
        if (client.addressState != null && client.addressState.isRetired()) {
            client.addressState = controls.addressState(client.channel);
        }
    }

    boolean addressLockout() {
        return addressLockout;
    }

    /** Requests refused because the identity's, or the address's, bucket was empty. */
    public long identityRateLimited() {
        return identityRateLimited.sum();
    }

    public long addressRateLimited() {
        return addressRateLimited.sum();
    }

    /** Requests refused because the identity or the address was locked out. */
    public long lockedOut() {
        return lockedOut.sum();
    }
}
