package io.mtlsproxy.core.config;

import java.util.List;

/** Checks of the admin and logging sections; each problem names its setting. */
final class OperationsValidator {
    private OperationsValidator() {}

    static void validate(GatewayConfig config, List<String> problems) {
        admin(config.admin(), config.listener(), problems);
        LoggingConfig logging = config.logging();
        if (!LoggingConfig.LEVELS.contains(logging.level())) {
            problems.add("logging.level: '" + logging.level() + "' is not one of " + new java.util.TreeSet<>(LoggingConfig.LEVELS));
        }
    }

    private static void admin(AdminConfig admin, ListenerConfig listener, List<String> problems) {
        if (!admin.enabled()) {
            return;
        }
        if (admin.port() < 0 || admin.port() > 65535) {
            problems.add("admin.port: " + admin.port() + " is not a TCP port (0-65535; 0 picks a free one)");
        } else if (admin.port() != 0 && admin.port().equals(listener.port())) {
            problems.add("admin.port: " + admin.port() + " is listener.port too; the admin listener needs a port of its own");
        }
        if (admin.bind().isBlank()) {
            problems.add("admin.bind: empty address");
        }
        AdminTlsConfig tls = admin.tls();
        if (tls != null) {
            if (tls.certificate() == null) {
                problems.add("admin.tls.certificate: required when admin.tls is set (PEM chain of the admin listener)");
            }
            if (tls.privateKey() == null) {
                problems.add("admin.tls.privateKey: required when admin.tls is set (PEM private key)");
            }
            if (tls.trustAnchors().isEmpty()) {
                problems.add("admin.tls.trustAnchors: required when admin.tls is set: the CAs of the operators' client"
                        + " certificates (admin TLS always requires one)");
            }
        }
        CertificateTrackingConfig tracking = admin.certificateTracking();
        if (tracking.maxEntries() < 1) {
            problems.add("admin.certificateTracking.maxEntries: must be at least 1");
        }
        if (tracking.seenWithin().isNegative() || tracking.seenWithin().isZero()) {
            problems.add("admin.certificateTracking.seenWithin: must be positive");
        }
        if (tracking.soonest() < 0 || tracking.soonest() > 50) {
            problems.add("admin.certificateTracking.soonest: must be between 0 and 50 (each is a labelled series)");
        }
    }
}
