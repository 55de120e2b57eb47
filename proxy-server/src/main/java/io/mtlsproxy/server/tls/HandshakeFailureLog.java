package io.mtlsproxy.server.tls;

import io.mtlsproxy.policy.Authentication;
import io.mtlsproxy.policy.CheckResult;
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
        String detail = detail(cause);
        if (log.isDebugEnabled()) {
            log.debug("handshake failed client={} cause={} detail={}", address(channel), tag, detail, cause);
        } else {
            log.info("handshake failed client={} cause={} detail={}", address(channel), tag, detail);
        }
    }

    void refused(Channel channel, String tag, String detail) {
        log.info("connection refused client={} cause={} detail={}", address(channel), tag, detail);
    }

    void refusedAfterHandshake(Channel channel, Authentication authentication) {
        String tag = authentication.decision().rejection().map(RejectReason::code).orElse("bad_certificate");
        String detail = authentication.decision().results().stream()
                .filter(r -> !r.passed()).findFirst().map(CheckResult::detail).orElse("refused");
        log.info("connection refused client={} cause={} subject={} detail={} (resumed session re-checked)",
                address(channel), tag, authentication.identity() == null ? "-" : authentication.identity().subject(), detail);
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

    public static String address(Channel channel) {
        SocketAddress remote = channel.remoteAddress();
        if (remote instanceof InetSocketAddress inet) {
            return inet.getAddress() == null ? inet.getHostString() + ":" + inet.getPort()
                    : inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(remote);
    }
}
