package io.mtlsproxy.server.tls;

import io.mtlsproxy.core.config.PolicyMode;
import io.mtlsproxy.core.error.ErrorCode;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.AsyncCertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import io.mtlsproxy.policy.entra.EntraDevice;
import io.mtlsproxy.policy.entra.EntraDeviceCheck;
import io.netty.channel.Channel;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs the checks that must ask a remote service (Entra via Graph, OCSP) once per connection,
 * after the handshake, all at once, and turns their results into the connection's admission.
 * Nothing here blocks: the caller (an event loop) gets a future.
 */
public final class AsyncAdmission {
    /** When an unavailable check gives no hint of its own. */
    static final Duration DEFAULT_RETRY = Duration.ofSeconds(5);

    private final List<AsyncCertificateCheck> checks;
    private final PolicyMode mode;
    private final Clock clock;
    private final Duration clockSkew;
    private final HandshakeFailureLog log;
    private final String scope;

    public AsyncAdmission(List<AsyncCertificateCheck> checks, PolicyMode mode, Clock clock, Duration clockSkew,
            HandshakeFailureLog log) {
        this(checks, mode, clock, clockSkew, log, null);
    }

    /** @param route the route these checks guard, named in log lines; null for the listener's */
    AsyncAdmission(List<AsyncCertificateCheck> checks, PolicyMode mode, Clock clock, Duration clockSkew,
            HandshakeFailureLog log, String route) {
        this.scope = route == null ? "" : "route " + route + ": ";
        this.checks = List.copyOf(checks);
        this.mode = mode;
        this.clock = clock;
        this.clockSkew = clockSkew;
        this.log = log;
    }

    public boolean isEmpty() {
        return checks.isEmpty();
    }

    /** The checks' verdict on {@code identity}, complete at once when there are none; logs each refusal once. */
    public CompletableFuture<Admission> admit(Channel channel, ClientIdentity identity) {
        if (checks.isEmpty()) {
            return Admission.ADMITTED_NOW;
        }
        CheckContext context = new CheckContext(clock.instant(), clockSkew);
        @SuppressWarnings("unchecked")
        CompletableFuture<CheckResult>[] running = new CompletableFuture[checks.size()];
        AtomicReference<EntraDevice> device = new AtomicReference<>();
        for (int i = 0; i < running.length; i++) {
            AsyncCertificateCheck check = checks.get(i);
            CompletableFuture<CheckResult> result;
            try {
                result = check instanceof EntraDeviceCheck entra
                        // the origin's Diagnostics name the device Graph confirmed
                        ? entra.verify(identity, context).thenApply(outcome -> {
                            outcome.verifiedDevice().ifPresent(device::set);
                            return outcome.result();
                        })
                        : check.check(identity, context);
            } catch (RuntimeException e) {
                result = CompletableFuture.failedFuture(e);
            }
            running[i] = result.exceptionally(failure -> CheckResult.fail(check.name(), RejectReason.REVOCATION_UNKNOWN,
                    "check failed: " + failure));
        }
        return CompletableFuture.allOf(running).thenApply(ignored -> decide(channel, identity, running, device.get()));
    }

    private Admission decide(Channel channel, ClientIdentity identity, CompletableFuture<CheckResult>[] results,
            EntraDevice device) {
        List<RejectReason> violations = List.of();
        for (CompletableFuture<CheckResult> future : results) {
            CheckResult result = future.join();
            if (result.passed()) {
                continue;
            }
            if (mode == PolicyMode.AUDIT) {
                log.auditViolation(channel, result.reason().code(), identity, scope + result.check() + ": " + result.detail());
                violations = append(violations, result.reason());
                continue;
            }
            log.refused(channel, result.reason().code(), scope + result.check() + ": " + result.detail());
            return refusal(result);
        }
        return device == null && violations.isEmpty() ? Admission.ADMITTED : new Admission(null, null, device, violations);
    }

    /** A refused check as the answer every request gets: 503 with a hint when the check could not decide. */
    static Admission refusal(CheckResult result) {
        if (result.reason().isRetryable() || result.reason() == RejectReason.REVOCATION_UNKNOWN) {
            return new Admission(ErrorCode.CERTIFICATE_CHECK_UNAVAILABLE,
                    result.retryAfter() != null ? result.retryAfter() : DEFAULT_RETRY);
        }
        return new Admission(ErrorCode.CERTIFICATE_REFUSED, null);
    }

    static <T> List<T> append(List<T> list, T element) {
        List<T> longer = new java.util.ArrayList<>(list);
        longer.add(element);
        return longer;
    }
}
