package io.mtlsproxy.server;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.EntraConfig;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.AsyncCertificateCheck;
import io.mtlsproxy.policy.ClientCertificatePolicy;
import io.mtlsproxy.policy.TrustMaterial;
import io.mtlsproxy.policy.entra.EntraDeviceCheck;
import io.mtlsproxy.policy.revocation.Revocation;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Clock;
import io.mtlsproxy.core.config.PolicyMode;
import io.mtlsproxy.core.config.RoutePolicy;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
import io.mtlsproxy.server.tls.RouteGuard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Everything that judges a client certificate, built from one configuration: the policy that runs
 * in the handshake (revocation by deny list and CRLs included, right after chain validation), the
 * asynchronous checks that run after it (OCSP, Entra via Graph), and the background work they
 * need. Owned by the gateway, closed with it.
 */
final class CertificateChecks implements AutoCloseable {
    private final ClientCertificatePolicy policy;
    private final Revocation revocation;
    private final EntraDeviceCheck entra;
    private final ScheduledExecutorService scheduler;
    private final List<AsyncCertificateCheck> asyncChecks;

    private CertificateChecks(ClientCertificatePolicy policy, Revocation revocation, EntraDeviceCheck entra,
            ScheduledExecutorService scheduler) {
        this.policy = policy;
        this.revocation = revocation;
        this.entra = entra;
        this.scheduler = scheduler;
        List<AsyncCertificateCheck> async = new ArrayList<>(2);
        if (revocation != null && revocation.ocspCheck() != null) {
            async.add(revocation.ocspCheck());
        }
        if (policy.requiresEntra()) {
            async.add(entra);
        }
        this.asyncChecks = List.copyOf(async);
    }

    /** How the Entra device check is made: from {@code entra} in production; tests bring their own Graph. */
    @FunctionalInterface
    interface EntraCheckFactory {
        EntraCheckFactory FROM_CONFIG = (config, clock) -> EntraDeviceCheck.fromConfig(config, clock, Ticker.systemTicker());

        EntraDeviceCheck create(EntraConfig config, Clock clock) throws ConfigException;
    }

    /** Builds every check; nothing is left running when it throws. */
    static CertificateChecks build(GatewayConfig config, TrustMaterial trust, Clock clock, EntraCheckFactory entraChecks)
            throws ConfigException {
        ScheduledExecutorService scheduler = null;
        Revocation revocation = null;
        EntraDeviceCheck entra = null;
        try {
            if (config.revocation().enabled()) {
                scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("revocation", true));
                revocation = Revocation.fromConfig(config.revocation(), trust, clock, scheduler);
            }
            ClientCertificatePolicy policy = ClientCertificatePolicy.fromConfig(config, trust, clock,
                    revocation == null ? null : revocation.handshakeCheck());
            if (config.anyPolicyUsesEntra()) {
                entra = entraChecks.create(config.entra(), clock);
            }
            return new CertificateChecks(policy, revocation, entra, scheduler);
        } catch (ConfigException | RuntimeException e) {
            close(revocation, entra, scheduler);
            throw e;
        }
    }

    ClientCertificatePolicy policy() {
        return policy;
    }

    /** The Entra device check, or null when no policy uses Entra (metrics, readiness). */
    EntraDeviceCheck entra() {
        return entra;
    }

    /** Revocation, or null when it is off (metrics). */
    Revocation revocation() {
        return revocation;
    }

    /**
     * What {@code route} demands beyond the listener, or null when it demands nothing more, so
     * its requests cost no extra lookup.
     */
    RouteGuard routeGuard(RoutePolicy route, PolicyMode listenerMode, Clock clock, Duration clockSkew,
            HandshakeFailureLog log) {
        RouteGuard guard = RouteGuard.of(route, route.policy() == null ? null : policy.compiledPolicies().get(route.policy()), entra,
                clock, clockSkew, log);
        return guard.addsNothingTo(listenerMode) ? null : guard;
    }

    /** The checks that run after the handshake, in order: OCSP, then Entra. */
    List<AsyncCertificateCheck> asyncChecks() {
        return asyncChecks;
    }

    /** Runs {@code listener} (on a background thread) whenever revocation data changes. */
    void onRevocationChange(Runnable listener) {
        if (revocation != null) {
            revocation.addListener(listener);
        }
    }

    boolean isRevoked(ClientIdentity identity) {
        return revocation != null && revocation.isRevoked(identity);
    }

    /** Starts background loading and refreshing (CRL URLs, distribution points, the deny-list file). */
    void start() {
        if (revocation != null) {
            revocation.start();
        }
    }

    @Override
    public void close() {
        close(revocation, entra, scheduler);
    }

    private static void close(Revocation revocation, EntraDeviceCheck entra, ScheduledExecutorService scheduler) {
        if (entra != null) {
            entra.close();
        }
        if (revocation != null) {
            revocation.close();
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
