package io.mtlsproxy.server.ingress;

import io.mtlsproxy.core.config.IngressConfig;
import io.mtlsproxy.core.config.PolicyMode;
import io.mtlsproxy.core.error.ErrorCode;
import io.mtlsproxy.core.forwarded.ForwardedCertificateException;
import io.mtlsproxy.core.forwarded.ForwardedCertificateFormat;
import io.mtlsproxy.core.forwarded.ForwardedCertificates;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.net.CidrSet;
import io.mtlsproxy.policy.Authentication;
import io.mtlsproxy.policy.ClientAuthenticator;
import io.mtlsproxy.policy.RejectReason;
import io.mtlsproxy.server.http.Caller;
import io.mtlsproxy.server.tls.Admission;
import io.mtlsproxy.server.tls.AsyncAdmission;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a certificate forwarded by an ingress into a caller, validated exactly as a certificate
 * presented in a handshake on the device listener: the same authenticator (policy, chain checks,
 * its cache of validated chains), the same asynchronous checks (Entra, OCSP), the same mode. The
 * header is never trusted as an opaque string: it is only where the certificate comes from.
 *
 * <p>Built once per configuration generation; thread-safe. A header is believed only on a
 * connection from a trusted proxy; the same headers on any other connection refuse the request,
 * so a device that can reach the listener directly cannot name itself someone else.
 */
public final class ForwardedIdentities {
    private static final Logger log = LoggerFactory.getLogger("mtls_proxy.ingress");

    /** One format the configuration reads, with the header it is read from. */
    private record Source(ForwardedCertificateFormat format, String header, String chainHeader) {}

    private final CidrSet trustedProxies;
    private final List<Source> sources;
    /** Every header that can carry a certificate, read or not: refused from untrusted addresses. */
    private final Set<String> certificateHeaders;
    private final ClientAuthenticator authenticator;
    private final AsyncAdmission asyncChecks;
    private final PolicyMode mode;
    private final HandshakeFailureLog failures;
    private final java.util.function.Predicate<ClientIdentity> revoked;

    /** @param revoked whether revocation data loaded since a caller was admitted revokes it */
    public ForwardedIdentities(IngressConfig config, ClientAuthenticator authenticator, AsyncAdmission asyncChecks,
            PolicyMode mode, HandshakeFailureLog failures, java.util.function.Predicate<ClientIdentity> revoked) {
        this.revoked = revoked;
        this.trustedProxies = CidrSet.parse(config.trustedProxies());
        List<Source> sources = new ArrayList<>();
        for (ForwardedCertificateFormat format : config.formats()) {
            String header = format == ForwardedCertificateFormat.ESCAPED_PEM ? config.escapedPemHeader() : format.defaultHeader();
            sources.add(new Source(format, header, format.chainHeader()));
        }
        this.sources = List.copyOf(sources);
        Set<String> headers = new LinkedHashSet<>();
        for (ForwardedCertificateFormat format : ForwardedCertificateFormat.values()) {
            headers.add(format.defaultHeader());
        }
        headers.add(ForwardedCertificateFormat.CLIENT_CERT.chainHeader());
        headers.add(config.escapedPemHeader());
        this.certificateHeaders = Set.copyOf(headers);
        this.authenticator = authenticator;
        this.asyncChecks = asyncChecks;
        this.mode = mode;
        this.failures = failures;
    }

    /** The callers of a new connection to the behind-ingress listener. */
    public io.mtlsproxy.server.http.CallerSource callersOf(Channel channel) {
        return new ForwardedCallers(this, channel);
    }

    /** Whether the connection comes from an ingress whose certificate headers are believed. */
    boolean isTrustedProxy(SocketAddress peer) {
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null && trustedProxies.contains(inet.getAddress());
    }

    /**
     * The certificate headers' values, as a key for remembering the last caller of a connection: the
     * headers' own strings, no copy of them; null when the request carries none of them.
     */
    List<String> certificateKey(HttpHeaders headers) {
        List<String> key = null;
        for (int i = 0; i < sources.size(); i++) {
            Source source = sources.get(i);
            String value = headers.get(source.header());
            if (value != null) {
                if (key == null) {
                    key = java.util.Arrays.asList(new String[sources.size() * 2]);
                }
                key.set(2 * i, value);
                key.set(2 * i + 1, source.chainHeader() == null ? null : headers.get(source.chainHeader()));
            }
        }
        return key;
    }

    /** Whether an admitted caller was revoked since (a CRL refresh, the deny list): it is then decided again. */
    boolean isRevoked(ClientIdentity identity) {
        return revoked.test(identity);
    }

    /** A request on a connection from anywhere but a trusted proxy: refused when it carries a certificate header. */
    Caller untrusted(Channel channel, HttpHeaders headers) {
        for (String header : certificateHeaders) {
            if (headers.contains(header)) {
                log.info("forwarded certificate refused client={} cause=untrusted_proxy header={}: only ingress.trustedProxies "
                        + "may forward client certificates", HandshakeFailureLog.address(channel), header);
                return Caller.refused(ErrorCode.UNTRUSTED_CERTIFICATE_HEADER);
            }
        }
        return Caller.anonymous();
    }

    /** The caller a trusted proxy's request names. */
    Caller fromTrustedProxy(Channel channel, HttpHeaders headers) {
        List<X509Certificate> chain = null;
        for (Source source : sources) {
            String value = headers.get(source.header());
            if (value == null) {
                continue;
            }
            if (headers.getAll(source.header()).size() > 1) {
                return malformed(channel, source.header(), "repeated_header");
            }
            List<X509Certificate> parsed;
            try {
                parsed = ForwardedCertificates.parse(source.format(), value,
                        source.chainHeader() == null ? null : headers.get(source.chainHeader()));
            } catch (ForwardedCertificateException e) {
                return malformed(channel, source.header(), e.reason());
            }
            if (chain == null) {
                chain = parsed;
            } else if (!chain.get(0).equals(parsed.get(0))) {
                // two headers naming two devices: believing either would be a guess
                return malformed(channel, source.header(), "conflicting_headers");
            }
        }
        if (chain == null) {
            return Caller.anonymous();
        }
        return authenticated(channel, chain);
    }

    private Caller authenticated(Channel channel, List<X509Certificate> chain) {
        Authentication authentication = authenticator.authenticate(chain);
        ClientIdentity identity = authentication.identity();
        List<RejectReason> violations = List.of();
        if (!authentication.allowed()) {
            RejectReason reason = authentication.decision().rejection().orElse(RejectReason.BAD_CERTIFICATE);
            if (mode == PolicyMode.ENFORCE || identity == null) {
                failures.forwardedRefused(channel, authentication);
                return Caller.refused(reason.isRetryable() || reason == RejectReason.REVOCATION_UNKNOWN
                        ? ErrorCode.CERTIFICATE_CHECK_UNAVAILABLE : ErrorCode.CERTIFICATE_REFUSED);
            }
            failures.forwardedAuditViolation(channel, authentication);
            violations = List.of(reason);
        }
        List<RejectReason> earlier = violations;
        CompletableFuture<Admission> admission = asyncChecks.admit(channel, identity);
        return Caller.ofRequest(identity, earlier.isEmpty() ? admission
                : admission.thenApply(a -> a.withEarlierViolations(earlier)));
    }

    private static Caller malformed(Channel channel, String header, String reason) {
        log.info("forwarded certificate refused client={} cause={} header={}", HandshakeFailureLog.address(channel), reason,
                header);
        return Caller.refused(ErrorCode.INVALID_CERTIFICATE_HEADER);
    }
}
