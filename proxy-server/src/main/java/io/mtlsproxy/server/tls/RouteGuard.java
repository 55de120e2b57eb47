package io.mtlsproxy.server.tls;

import io.mtlsproxy.core.config.PolicyMode;
import io.mtlsproxy.core.config.RoutePolicy;
import io.mtlsproxy.core.error.ErrorCode;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.AsyncCertificateCheck;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import io.mtlsproxy.policy.rules.CompiledPolicy;
import io.netty.channel.Channel;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * What one route demands of a connection beyond the listener's policy: its own named policy, in
 * its own mode. A route in enforce mode behind an audit-mode listener refuses what the listener
 * let through; a route in audit mode logs and counts its own policy's violations and lets them
 * pass (it cannot relax the listener's handshake, which already ran).
 *
 * <p>Decided once per connection and route (the HTTP handler keeps the future), so the policy
 * cost of a request on a pinned connection stays a field read.
 */
public final class RouteGuard {
    private final String route;
    private final PolicyMode mode;
    private final CertificateCheck routeRules;
    private final AsyncAdmission routeAsyncChecks;
    private final Clock clock;
    private final Duration clockSkew;
    private final HandshakeFailureLog log;

    private RouteGuard(String route, PolicyMode mode, CertificateCheck routeRules, AsyncAdmission routeAsyncChecks,
            Clock clock, Duration clockSkew, HandshakeFailureLog log) {
        this.route = route;
        this.mode = mode;
        this.routeRules = routeRules;
        this.routeAsyncChecks = routeAsyncChecks;
        this.clock = clock;
        this.clockSkew = clockSkew;
        this.log = log;
    }

    /**
     * @param policy the route's compiled policy, or null when the route names none
     * @param entra the Entra device check, needed when {@code policy} holds {@code entraDevice}
     */
    public static RouteGuard of(RoutePolicy config, CompiledPolicy policy, AsyncCertificateCheck entra, Clock clock,
            Duration clockSkew, HandshakeFailureLog log) {
        Objects.requireNonNull(config, "config");
        List<AsyncCertificateCheck> async = policy != null && policy.requiresEntra()
                ? List.of(Objects.requireNonNull(entra, "a policy with entraDevice needs the Entra check"))
                : List.of();
        return new RouteGuard(config.route(), config.mode(), policy == null ? null : policy.syncChecks(),
                new AsyncAdmission(async, config.mode(), clock, clockSkew, log, config.route()), clock, clockSkew, log);
    }

    /**
     * True when this route asks nothing the listener has not: no policy of its own, and it
     * enforces no more than the listener did. Its requests then use the connection's admission as is.
     */
    public boolean addsNothingTo(PolicyMode listenerMode) {
        return routeRules == null && routeAsyncChecks.isEmpty()
                && (mode == PolicyMode.AUDIT || listenerMode == PolicyMode.ENFORCE);
    }

    /**
     * Whether this connection may use the route, given what the listener decided for it.
     *
     * @param connection the connection's admission, already admitted
     */
    public CompletableFuture<Admission> admit(Channel channel, ClientIdentity identity, Admission connection) {
        if (mode == PolicyMode.ENFORCE && !connection.auditViolations().isEmpty()) {
            RejectReason first = connection.auditViolations().get(0);
            log.refused(channel, first.code(), "route " + route
                    + " enforces what the audit-mode listener let through: " + connection.auditViolations());
            return CompletableFuture.completedFuture(first.isRetryable() || first == RejectReason.REVOCATION_UNKNOWN
                    ? new Admission(ErrorCode.CERTIFICATE_CHECK_UNAVAILABLE, AsyncAdmission.DEFAULT_RETRY)
                    : new Admission(ErrorCode.CERTIFICATE_REFUSED, null));
        }
        List<RejectReason> violations = connection.auditViolations();
        if (routeRules != null) {
            CheckResult result = evaluate(identity);
            if (!result.passed()) {
                String detail = "route " + route + ": " + result.check() + ": " + result.detail();
                if (mode == PolicyMode.ENFORCE) {
                    log.refused(channel, result.reason().code(), detail);
                    return CompletableFuture.completedFuture(AsyncAdmission.refusal(result));
                }
                log.auditViolation(channel, result.reason().code(), identity, detail);
                violations = AsyncAdmission.append(violations, result.reason());
            }
        }
        List<RejectReason> soFar = violations;
        return routeAsyncChecks.admit(channel, identity).thenApply(routeAdmission -> !routeAdmission.admitted()
                ? routeAdmission
                : new Admission(null, null,
                        routeAdmission.entraDevice() != null ? routeAdmission.entraDevice() : connection.entraDevice(),
                        concat(soFar, routeAdmission.auditViolations())));
    }

    private CheckResult evaluate(ClientIdentity identity) {
        try {
            return routeRules.check(identity, new CheckContext(clock.instant(), clockSkew));
        } catch (RuntimeException e) {
            // fail closed, as the listener's policy does
            return CheckResult.fail(routeRules.name(), RejectReason.BAD_CERTIFICATE, "check failed: " + e);
        }
    }

    private static List<RejectReason> concat(List<RejectReason> first, List<RejectReason> second) {
        if (second.isEmpty()) {
            return first;
        }
        List<RejectReason> all = new java.util.ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    public String route() {
        return route;
    }

    @Override
    public String toString() {
        return "RouteGuard[" + route + ", " + mode + (routeRules == null ? "" : ", " + routeRules.name()) + "]";
    }
}
