package io.mtlsproxy.server.http;

import io.mtlsproxy.backends.CachedSecret;
import io.mtlsproxy.backends.InvalidSecretNameException;
import io.mtlsproxy.backends.SecretDisabledException;
import io.mtlsproxy.backends.SecretExpiredException;
import io.mtlsproxy.backends.SecretNotYetValidException;
import io.mtlsproxy.backends.InvalidSecretVersionException;
import io.mtlsproxy.backends.SecretBackends;
import io.mtlsproxy.backends.SecretNotFoundException;
import io.mtlsproxy.backends.SecretTimeoutException;
import io.mtlsproxy.backends.SecretUnavailableException;
import io.mtlsproxy.backends.SecretValue;
import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.audit.AuditSink;
import io.mtlsproxy.core.error.ErrorCode;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.secret.SecretNames;
import io.mtlsproxy.core.secret.SecretVersions;
import io.mtlsproxy.policy.AccessDecision;
import io.mtlsproxy.policy.AccessRules;
import io.mtlsproxy.server.logging.RequestMdc;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path by which a device reads a secret, shared by the v1 API and the origin route:
 * name check, then the access rules (deny by default), then the cached backends. Every outcome is
 * audited here, once; no value ever reaches a log.
 */
public final class SecretReader {
    /**
     * The audit event's resource for a proxied request: {@code route:<name>} where a secret read has
     * the secret's name (secret names cannot hold ':', so the two never mix).
     */
    public static final String ROUTE_PREFIX = "route:";
    private static final Logger log = LoggerFactory.getLogger(SecretReader.class);

    private final AccessRules accessRules;
    private final SecretBackends secrets;
    private final AuditSink audit;
    private final Clock clock;
    private final Duration timeout;
    private final SecretBodies bodies = new SecretBodies();

    public SecretReader(AccessRules accessRules, SecretBackends secrets, AuditSink audit, Clock clock, Duration timeout) {
        this.accessRules = accessRules;
        this.secrets = secrets;
        this.audit = audit;
        this.clock = clock;
        this.timeout = timeout;
    }

    /** A granted secret's JSON body, encoded once per cached value; shared, not to be changed. */
    byte[] encodedBody(SecretValue secret) {
        return bodies.of(secret);
    }

    /** Completes on whatever thread the backend completes on; callers hop back to their event loop. */
    CompletableFuture<SecretRead> read(ClientIdentity identity, String name) {
        return read(identity, name, null);
    }

    /**
     * @param version the version asked for ({@code ?version=}), or null for the latest; checked
     *     before the access rules, like the name, so a bad one is a 400 whoever asks
     */
    CompletableFuture<SecretRead> read(ClientIdentity identity, String name, String version) {
        Optional<String> invalid = SecretNames.problem(name);
        if (invalid.isPresent()) {
            return CompletableFuture.completedFuture(SecretRead.refused(ErrorCode.INVALID_SECRET_NAME, invalid.get()));
        }
        if (version != null) {
            Optional<String> badVersion = SecretVersions.problem(version);
            if (badVersion.isPresent()) {
                return CompletableFuture.completedFuture(
                        SecretRead.refused(ErrorCode.INVALID_SECRET_VERSION, badVersion.get()));
            }
        }
        AccessDecision access = accessRules.decide(identity, name);
        if (!access.allowed()) {
            return CompletableFuture.completedFuture(SecretRead.refused(ErrorCode.FORBIDDEN, access.reason()));
        }
        CompletableFuture<CachedSecret> fetch = secrets.lookup(name, version);
        if (fetch.isDone()) {
            // the cache-hit path: no timeout task, no extra stage
            return CompletableFuture.completedFuture(outcome(fetch, access.rule(), name));
        }
        // the cache shares this future among all callers of the name: time out a copy, never the original
        // completes on the backend's thread: its log lines keep the request's id
        return fetch.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle(RequestMdc.propagate((secret, failure) -> failure == null
                        ? granted(secret, access.rule(), name)
                        : refusal(failure, name)));
    }

    private static SecretRead outcome(CompletableFuture<CachedSecret> done, String rule, String name) {
        try {
            return granted(done.join(), rule, name);
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            return refusal(e, name);
        }
    }

    private static SecretRead granted(CachedSecret secret, String rule, String name) {
        if (secret.stale()) {
            log.debug("serving stale secret={} backend={}", name, secret.value().backend());
        }
        return SecretRead.granted(secret.value(), rule, secret.stale());
    }

    private static SecretRead refusal(Throwable failure, String name) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof SecretNotFoundException) {
            return SecretRead.refused(ErrorCode.SECRET_NOT_FOUND, "not_found");
        }
        // the store holds the secret but its owner said not to serve it now: answers, not faults
        if (cause instanceof SecretDisabledException) {
            return SecretRead.refused(ErrorCode.SECRET_DISABLED, "disabled");
        }
        if (cause instanceof SecretExpiredException) {
            return SecretRead.refused(ErrorCode.SECRET_EXPIRED, "expired");
        }
        if (cause instanceof SecretNotYetValidException) {
            return SecretRead.refused(ErrorCode.SECRET_NOT_YET_VALID, "not_yet_valid");
        }
        if (cause instanceof InvalidSecretNameException) {
            return SecretRead.refused(ErrorCode.INVALID_SECRET_NAME, "invalid_name");
        }
        if (cause instanceof InvalidSecretVersionException) {
            return SecretRead.refused(ErrorCode.INVALID_SECRET_VERSION, "invalid_version");
        }
        if (cause instanceof SecretTimeoutException timedOut) {
            log.warn("secret store timed out secret={} cause={}", name, timedOut.getMessage());
            return SecretRead.unavailable(ErrorCode.BACKEND_TIMEOUT, "backend_timeout", Duration.ofSeconds(1));
        }
        if (cause instanceof SecretUnavailableException unavailable) {
            log.warn("secret store unavailable secret={} cause={}", name, unavailable.getMessage());
            return SecretRead.unavailable(ErrorCode.BACKEND_UNAVAILABLE, "backend_unavailable",
                    unavailable.retryAfter().orElse(Duration.ofSeconds(1)));
        }
        if (cause instanceof TimeoutException) {
            log.warn("secret store timed out secret={}", name);
            return SecretRead.unavailable(ErrorCode.BACKEND_TIMEOUT, "backend_timeout", Duration.ofSeconds(1));
        }
        // Backends never put values in exceptions, but an unknown failure is logged by type only.
        log.error("secret read failed secret={} error={}", name, cause.getClass().getName());
        log.debug("secret read failure", cause);
        return SecretRead.refused(ErrorCode.INTERNAL_ERROR, "internal_error");
    }

    void audit(RequestContext request, ClientIdentity identity, String name, SecretRead read) {
        audit(request, identity, name, read, false);
    }

    /** @param notModified the read was answered with a 304: the client holds the current version */
    void audit(RequestContext request, ClientIdentity identity, String name, SecretRead read, boolean notModified) {
        SecretValue secret = read.secret();
        AuditEvent.Outcome outcome = notModified ? AuditEvent.Outcome.NOT_MODIFIED
                : read.isGranted() ? AuditEvent.Outcome.ALLOW
                : read.status() >= 500 ? AuditEvent.Outcome.ERROR : AuditEvent.Outcome.DENY;
        record(request, identity, name, outcome,
                read.isGranted() ? read.reason() : read.error().code() + "/" + read.reason(),
                secret == null ? "-" : secret.backend(), secret == null ? "-" : secret.version(),
                notModified ? 304 : read.status(), read.stale());
    }

    /** Whether {@code identity} may use the proxy route {@code route}; deny by default. */
    AccessDecision routeAccess(ClientIdentity identity, String route) {
        return accessRules.decideRoute(identity, route);
    }

    /**
     * The audit line of a proxied request: who, which route, to which target, the decision and the
     * status. Never a header or body: the line says who used the route, not what was said.
     *
     * @param target the upstream target it went to, or null when it went nowhere
     * @param refusal the gateway's error, or null when the upstream answered (its status is {@code status})
     * @param reason the granting rule, or the refusal's reason
     */
    void auditRoute(RequestContext request, ClientIdentity identity, String route, String target, ErrorCode refusal,
            String reason, int status) {
        AuditEvent.Outcome outcome = refusal == null ? AuditEvent.Outcome.ALLOW
                : refusal.status() >= 500 ? AuditEvent.Outcome.ERROR : AuditEvent.Outcome.DENY;
        record(request, identity, ROUTE_PREFIX + route, outcome, refusal == null ? reason : refusal.code() + "/" + reason,
                target == null ? "-" : target, "-", status, false);
    }

    private void record(RequestContext request, ClientIdentity identity, String resource, AuditEvent.Outcome outcome,
            String reason, String backend, String version, int status, boolean stale) {
        audit.record(new AuditEvent(clock.instant(), request.requestId(), request.clientAddress(),
                identity == null ? "-" : identity.subject().toString(), identity == null ? "-" : identity.sha256(),
                resource, outcome, reason, backend, version, status,
                TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - request.startNanos()), stale));
    }
}
