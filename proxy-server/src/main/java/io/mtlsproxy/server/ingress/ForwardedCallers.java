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
    private java.util.List<String> lastKey;
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
        java.util.List<String> key = identities.certificateKey(request.headers());
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
     * Behind a trusted ingress, the device's address is the last entry of X-Forwarded-For (the one
     * the ingress added; earlier ones are whatever the device claimed). Anything that does not look
     * like an address is ignored rather than logged.
     */
    @Override
    public String clientAddress(String socket, HttpRequest request) {
        String forwarded = trusted ? request.headers().get("x-forwarded-for") : null;
        if (forwarded == null) {
            return socket;
        }
        String last = forwarded.substring(forwarded.lastIndexOf(',') + 1).strip();
        if (last.isEmpty() || last.length() > 64) {
            return socket;
        }
        for (int i = 0; i < last.length(); i++) {
            char c = last.charAt(i);
            boolean addressChar = c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.' || c == ':'
                    || c == '[' || c == ']';
            if (!addressChar) {
                return socket;
            }
        }
        return last;
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
