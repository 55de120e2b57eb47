package io.mtlsproxy.server.admin;

import io.mtlsproxy.backends.BackendCalls;
import io.mtlsproxy.policy.entra.EntraDeviceCheck;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The device gateway's readiness components, each judged from what is already known. */
public final class GatewayReadiness {
    private GatewayReadiness() {}

    /**
     * @param serverCertificate the device listener's certificate in use
     * @param trustAnchors how many client trust anchors are loaded now
     * @param listenerBound whether the device listener accepts connections
     * @param backends the backends' last call outcomes, of the backends in use now
     * @param entra the Entra check in use now when a policy uses it, else null
     */
    public static Readiness of(Supplier<X509Certificate> serverCertificate, Supplier<Integer> trustAnchors,
            BooleanSupplier listenerBound, Supplier<BackendCalls> backends, Supplier<EntraDeviceCheck> entra, Clock clock) {
        Readiness readiness = new Readiness()
                .add(() -> List.of(tls(serverCertificate.get(), trustAnchors.get(), clock.instant())))
                .add(() -> List.of(listenerBound.getAsBoolean()
                        ? new Readiness.Status("listener", true, "accepting device connections")
                        : new Readiness.Status("listener", false, "the device listener is not bound")))
                .add(() -> backends.get().health().stream().map(GatewayReadiness::backend).toList());
        // Graph counts only while a policy in use asks it (a reload may add or drop one)
        readiness.add(() -> entra.get() == null ? List.of() : List.of(graph(entra.get().graphStatus())));
        return readiness;
    }

    private static Readiness.Status tls(X509Certificate certificate, int anchors, Instant now) {
        if (certificate == null) {
            return new Readiness.Status("tls", false, "no server certificate loaded");
        }
        Instant notAfter = certificate.getNotAfter().toInstant();
        if (!notAfter.isAfter(now)) {
            return new Readiness.Status("tls", false, "the server certificate expired at " + notAfter);
        }
        if (anchors == 0) {
            // audit mode or an Entra-only policy may run without anchors; devices are still authenticated by policy
            return new Readiness.Status("tls", true, "server certificate valid until " + notAfter + "; no trust anchors");
        }
        return new Readiness.Status("tls", true, "server certificate valid until " + notAfter + "; " + anchors + " trust anchors");
    }

    private static Readiness.Status backend(BackendCalls.Health health) {
        String name = "backend:" + health.backend();
        if (health.lastOutcome() == null) {
            return new Readiness.Status(name, true, health.type() + ", not called yet");
        }
        if (health.healthy()) {
            return new Readiness.Status(name, true, health.type() + ", last call answered at " + health.lastCallAt());
        }
        return new Readiness.Status(name, false, health.type() + ", last call at " + health.lastCallAt() + " failed: "
                + health.lastError());
    }

    private static Readiness.Status graph(EntraDeviceCheck.GraphStatus status) {
        if (status == null) {
            return new Readiness.Status("graph", true, "no lookup made yet");
        }
        if (status.reachable()) {
            return new Readiness.Status("graph", true, "last lookup answered at " + status.at());
        }
        return new Readiness.Status("graph", false, "last lookup at " + status.at() + " failed: " + status.lastError());
    }
}
