package io.mtlsproxy.server.ingress;

import io.mtlsproxy.server.http.Caller;
import io.mtlsproxy.server.http.CallerSource;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The callers of one connection to the behind-ingress listener. Whether the connection comes from a
 * trusted proxy is decided once, at accept. An ingress keeps its connections open and sends the
 * requests of many devices over each, often the same device several times in a row: the last
 * caller is remembered, so its admissions and limits are not decided again for each request.
 */
final class ForwardedCallers implements CallerSource {
    private final ForwardedIdentities identities;
    private final boolean trusted;
    private String lastKey;
    private Caller last;

    ForwardedCallers(ForwardedIdentities identities, Channel channel) {
        this.identities = identities;
        this.trusted = identities.isTrustedProxy(channel.remoteAddress());
    }

    @Override
    public Caller callerOf(Channel channel, HttpRequest request) {
        if (!trusted) {
            return identities.untrusted(channel, request.headers());
        }
        String key = identities.certificateKey(request.headers());
        if (key == null) {
            return Caller.anonymous();
        }
        if (key.equals(lastKey) && stillHolds(last) && (last.identity() == null || !identities.isRevoked(last.identity()))) {
            return last;
        }
        Caller caller = identities.fromTrustedProxy(channel, request.headers());
        lastKey = key;
        last = caller;
        return caller;
    }

    /**
     * A remembered caller is decided again once its certificate has expired or was revoked, or when a check could
     * not answer (Graph or OCSP down): that refusal is for now, not for the connection's life.
     */
    private static boolean stillHolds(Caller caller) {
        if (caller.identity() != null && !caller.identity().notAfter().isAfter(java.time.Instant.now())) {
            return false;
        }
        java.util.concurrent.CompletableFuture<io.mtlsproxy.server.tls.Admission> admission = caller.admission();
        return !admission.isDone() || admission.isCompletedExceptionally()
                || admission.join().refusal() != io.mtlsproxy.core.error.ErrorCode.CERTIFICATE_CHECK_UNAVAILABLE;
    }
}
