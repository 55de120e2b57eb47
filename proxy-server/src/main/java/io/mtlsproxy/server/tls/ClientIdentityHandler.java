package io.mtlsproxy.server.tls;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.Authentication;
import io.mtlsproxy.core.config.PolicyMode;
import io.mtlsproxy.policy.ClientAuthenticator;
import io.mtlsproxy.policy.RejectReason;
import io.mtlsproxy.server.ConnectionAttributes;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Pins the client identity to the connection once the handshake is done, then leaves the
 * pipeline. The trust manager already ran the policy during the handshake; here the identity comes
 * from the authenticator's cache of validated chains, and a resumed session, which skipped the
 * trust manager, is checked against the current policy before it may send a request.
 *
 * <p>A failed handshake is logged here, once, with its cause; nothing else in the pipeline logs it.
 */
public final class ClientIdentityHandler extends ChannelInboundHandlerAdapter {
    private final ClientAuthenticator authenticator;
    private final HandshakeFailureLog failures;
    private final AsyncAdmission asyncChecks;
    private final PolicyMode mode;

    public ClientIdentityHandler(ClientAuthenticator authenticator, HandshakeFailureLog failures, AsyncAdmission asyncChecks,
            PolicyMode mode) {
        this.authenticator = authenticator;
        this.failures = failures;
        this.asyncChecks = asyncChecks;
        this.mode = mode;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                pinIdentity(ctx);
            } else {
                failures.handshakeFailed(ctx.channel(), handshake.cause());
                ctx.close();
            }
            return; // the event has been handled; later handlers need only the identity
        }
        ctx.fireUserEventTriggered(event);
    }

    private void pinIdentity(ChannelHandlerContext ctx) {
        List<X509Certificate> chain;
        try {
            chain = peerChain(ctx.pipeline().get(SslHandler.class));
        } catch (SSLPeerUnverifiedException e) {
            if (mode == PolicyMode.AUDIT) {
                // certificates are optional in audit mode: the connection goes on without an identity
                failures.auditViolation(ctx.channel(), "no_certificate", null, "no client certificate");
                admit(ctx, Admission.ADMITTED_NOW);
                return;
            }
            failures.refused(ctx.channel(), "certificate_required", "no client certificate in the session");
            ctx.close();
            return;
        }
        Authentication authentication = authenticator.authenticate(chain);
        ClientIdentity identity = authentication.identity();
        List<RejectReason> violations = List.of();
        if (!authentication.allowed()) {
            RejectReason reason = authentication.decision().rejection().orElse(RejectReason.BAD_CERTIFICATE);
            if (mode == PolicyMode.AUDIT) {
                failures.auditViolation(ctx.channel(), reason.code(), identity, HandshakeFailureLog.firstFailure(authentication));
                violations = List.of(reason);
            } else {
                // only a resumed session gets here: a fresh handshake was refused by the trust manager
                failures.refusedAfterHandshake(ctx.channel(), authentication);
                ctx.close();
                return;
            }
        }
        if (identity == null) {
            // audit mode let an unreadable certificate through; requests will be refused as anonymous
            admit(ctx, Admission.ADMITTED_NOW);
            return;
        }
        ctx.channel().attr(ConnectionAttributes.CLIENT_IDENTITY).set(identity);
        List<RejectReason> handshakeViolations = violations;
        CompletableFuture<Admission> admission = asyncChecks.admit(ctx.channel(), identity);
        // an enforcing route must see what the audit-mode listener let through
        admit(ctx, handshakeViolations.isEmpty() ? admission
                : admission.thenApply(a -> a.withEarlierViolations(handshakeViolations)));
    }

    private void admit(ChannelHandlerContext ctx, CompletableFuture<Admission> admission) {
        ctx.channel().attr(ConnectionAttributes.ADMISSION).set(admission);
        ctx.pipeline().remove(this);
    }

    private static List<X509Certificate> peerChain(SslHandler ssl) throws SSLPeerUnverifiedException {
        Certificate[] certificates = ssl.engine().getSession().getPeerCertificates();
        List<X509Certificate> chain = new ArrayList<>(certificates.length);
        for (Certificate certificate : certificates) {
            chain.add((X509Certificate) certificate);
        }
        return chain;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Handshake errors arrive here as well as in the completion event: log them once, there.
        if (failures.isTlsFailure(cause)) {
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
