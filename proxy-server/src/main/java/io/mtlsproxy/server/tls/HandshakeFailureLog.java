package io.mtlsproxy.server.tls;

import io.mtlsproxy.policy.Authentication;
import io.mtlsproxy.policy.RejectReason;
import io.netty.channel.Channel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per refused or failed connection, with a cause an operator can act on:
 * {@code cause=unknown_ca}, {@code certificate_required}, {@code handshake_timeout}, ... The stack
 * trace goes to debug only.
 */
public final class HandshakeFailureLog {
    private static final Logger log = LoggerFactory.getLogger("mtls_proxy.handshake");

    /** The causes that are the certificate policy's verdict (not timeouts, closed sockets or TLS mismatches). */
    private static final java.util.Set<String> POLICY_CAUSES = policyCauses();

    private final ConcurrentHashMap<String, LongAdder> refusals = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> auditViolations = new ConcurrentHashMap<>();
    private final java.util.function.Consumer<Channel> onPolicyRefusal;

    public HandshakeFailureLog() {
        this(channel -> {});
    }

    /** @param onPolicyRefusal told of each connection the certificate policy refused (the lockout counts them) */
    public HandshakeFailureLog(java.util.function.Consumer<Channel> onPolicyRefusal) {
        this.onPolicyRefusal = onPolicyRefusal;
    }

    private static java.util.Set<String> policyCauses() {
        java.util.Set<String> causes = new java.util.HashSet<>();
        for (RejectReason reason : RejectReason.values()) {
            causes.add(reason.code());
        }
        causes.add("certificate_required");
        return java.util.Set.copyOf(causes);
    }

    /** Connections refused (or failed) so far with this cause tag. */
    public long refusals(String cause) {
        LongAdder count = refusals.get(cause);
        return count == null ? 0 : count.sum();
    }

    /** Violations let through in audit mode so far with this cause tag. */
    public long auditViolations(String cause) {
        LongAdder count = auditViolations.get(cause);
        return count == null ? 0 : count.sum();
    }

    /** The cause tags counted so far as refusals (metrics register a series per tag as it appears). */
    public java.util.Set<String> refusalCauses() {
        return java.util.Collections.unmodifiableSet(refusals.keySet());
    }

    /** The cause tags counted so far as audit-mode violations. */
    public java.util.Set<String> auditViolationCauses() {
        return java.util.Collections.unmodifiableSet(auditViolations.keySet());
    }

    private static void count(ConcurrentHashMap<String, LongAdder> counters, String cause) {
        counters.computeIfAbsent(cause, k -> new LongAdder()).increment();
    }

    /** Why a handshake failed, as a stable tag (also the future metric tag). */
    public static String classify(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof OpenSslCertificateException || t instanceof RejectedCertificateException) {
                String message = String.valueOf(t.getMessage());
                int colon = message.indexOf(':');
                return colon > 0 ? message.substring(0, colon) : "bad_certificate";
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return "handshake_timeout";
            }
            if (t instanceof NotSslRecordException) {
                return "not_tls";
            }
            if (t instanceof ClosedChannelException) {
                return "client_closed";
            }
        }
        String text = String.valueOf(cause == null ? "" : cause.getMessage()).toUpperCase(Locale.ROOT);
        if (text.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || text.contains("EMPTY CLIENT CERTIFICATE CHAIN")
                || text.contains("CERTIFICATE_REQUIRED")) {
            return RejectReason.NO_CERTIFICATE.code();
        }
        if (text.contains("NO_SHARED_CIPHER") || text.contains("NO_CIPHERS_AVAILABLE") || text.contains("UNSUPPORTED_PROTOCOL")
                || text.contains("NO_APPLICATION_PROTOCOL") || text.contains("NO PROTOCOLS") || text.contains("NO_COMMON_SIGNATURE")) {
            return "no_common_parameters";
        }
        if (text.contains("CLOSED") || text.contains("RESET")) {
            return "client_closed";
        }
        return "tls_error";
    }

    boolean isTlsFailure(Throwable cause) {
        return cause instanceof SSLException
                || (cause instanceof DecoderException && cause.getCause() instanceof SSLException);
    }

    void handshakeFailed(Channel channel, Throwable cause) {
        String tag = classify(cause);
        count(refusals, tag);
        if (POLICY_CAUSES.contains(tag)) {
            onPolicyRefusal.accept(channel);
        }
        String detail = detail(cause);
        if (log.isDebugEnabled()) {
            log.debug("handshake failed client={} cause={} detail={}", address(channel), tag, detail, cause);
        } else {
            log.info("handshake failed client={} cause={} detail={}", address(channel), tag, detail);
        }
    }

    void refused(Channel channel, String tag, String detail) {
        count(refusals, tag);
        log.info("connection refused client={} cause={} detail={}", address(channel), tag, detail);
    }

    /** Audit mode: what enforce mode would have refused, logged and counted, and let through. */
    void auditViolation(Channel channel, String tag, io.mtlsproxy.core.identity.ClientIdentity identity, String detail) {
        count(auditViolations, tag);
        log.warn("policy violation allowed (audit mode) client={} cause={} subject={} detail={}", address(channel), tag,
                identity == null ? "-" : identity.subject(), detail);
    }

    static String firstFailure(Authentication authentication) {
        return authentication.decision().results().stream()
                .filter(r -> !r.passed()).findFirst().map(r -> r.check() + ": " + r.detail()).orElse("refused");
    }

    void refusedAfterHandshake(Channel channel, Authentication authentication) {
        String tag = authentication.decision().rejection().map(RejectReason::code).orElse("bad_certificate");
        count(refusals, tag);
        String detail = firstFailure(authentication);
        log.info("connection refused client={} cause={} subject={} detail={} (resumed session re-checked)",
                address(channel), tag, authentication.identity() == null ? "-" : authentication.identity().subject(), detail);
        onPolicyRefusal.accept(channel);
    }

    /** A certificate forwarded by an ingress, refused by the policy: one line, counted like a handshake's. */
    public void forwardedRefused(Channel channel, Authentication authentication) {
        String tag = authentication.decision().rejection().map(RejectReason::code).orElse("bad_certificate");
        count(refusals, tag);
        log.info("forwarded certificate refused client={} cause={} subject={} detail={}", address(channel), tag,
                authentication.identity() == null ? "-" : authentication.identity().subject(), firstFailure(authentication));
    }

    /** Audit mode: a forwarded certificate the policy would refuse, let through. */
    public void forwardedAuditViolation(Channel channel, Authentication authentication) {
        String tag = authentication.decision().rejection().map(RejectReason::code).orElse("bad_certificate");
        auditViolation(channel, tag, authentication.identity(), "forwarded certificate: " + firstFailure(authentication));
    }

    private static String detail(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof OpenSslCertificateException || t instanceof RejectedCertificateException) {
                String message = String.valueOf(t.getMessage());
                int colon = message.indexOf(": ");
                return colon > 0 ? message.substring(colon + 2) : message; // the code is already the cause tag
            }
        }
        return cause == null ? "-" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    /**
     * A connection that failed after its handshake (a reset, a codec error): one line, at debug for
     * the network's own failures, a warning for anything else; then it is closed.
     */
    public static void connectionFailed(io.netty.channel.ChannelHandlerContext ctx, Throwable cause, Logger log) {
        if (cause instanceof java.io.IOException) {
            log.debug("connection error client={}: {}", address(ctx.channel()), cause.toString());
        } else {
            log.warn("connection error client={} error={}", address(ctx.channel()), cause.toString());
            log.debug("connection error", cause);
        }
        ctx.close();
    }

    /** The client's address for log lines: the PROXY v2 header's source when a trusted balancer sent one. */
    public static String address(Channel channel) {
        SocketAddress remote = io.mtlsproxy.server.ConnectionAttributes.clientAddress(channel);
        if (remote instanceof InetSocketAddress inet) {
            return inet.getAddress() == null ? inet.getHostString() + ":" + inet.getPort()
                    : inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(remote);
    }
}
