package io.mtlsproxy.policy;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.PolicyConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.Thumbprints;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which client certificates may connect: an ordered list of checks that must all pass (the
 * origin's AUTH_METHODS semantics). Immutable and thread-safe.
 */
public final class ClientCertificatePolicy {
    private final List<CertificateCheck> checks;
    private final Duration clockSkew;
    private final Clock clock;

    public ClientCertificatePolicy(List<? extends CertificateCheck> checks, Duration clockSkew, Clock clock) {
        this.checks = List.copyOf(checks);
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (this.checks.isEmpty()) {
            throw new IllegalArgumentException("a policy needs at least one check");
        }
    }

    /**
     * The configured checks, in this order: validity (always), chain validation, clientAuth EKU,
     * thumbprint allowlist.
     *
     * @throws ConfigException when the settings leave a certificate unchecked or name bad values
     */
    public static ClientCertificatePolicy fromConfig(PolicyConfig config, TrustMaterial trust, Clock clock)
            throws ConfigException {
        List<String> problems = new ArrayList<>();
        if (config.chainValidation() && trust.acceptedIssuers().isEmpty()) {
            problems.add("tls.trustAnchors: policy.chainValidation is on but no trust anchor is configured");
        }
        if (!config.chainValidation() && config.allowedThumbprints().isEmpty()) {
            // validity alone would admit any self-made certificate
            problems.add("policy: with policy.chainValidation off, policy.allowedThumbprints must list the devices");
        }
        for (int i = 0; i < config.allowedThumbprints().size(); i++) {
            if (Thumbprints.normalize(config.allowedThumbprints().get(i)).isEmpty()) {
                problems.add("policy.allowedThumbprints[" + i + "]: '" + config.allowedThumbprints().get(i)
                        + "' is not a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        List<CertificateCheck> checks = new ArrayList<>();
        checks.add(new ValidityCheck());
        if (config.chainValidation()) {
            checks.add(new ChainValidationCheck(trust));
        }
        if (config.requireClientAuthEku()) {
            checks.add(new ExtendedKeyUsageCheck());
        }
        if (!config.allowedThumbprints().isEmpty()) {
            checks.add(new ThumbprintAllowlistCheck(config.allowedThumbprints()));
        }
        return new ClientCertificatePolicy(checks, config.clockSkew(), clock);
    }

    /** Runs the checks in order and stops at the first failure: the handshake path. */
    public Decision evaluate(ClientIdentity identity) {
        return run(identity, true);
    }

    /** Runs every check, even after a failure, to show all that is wrong (the {@code inspect} tool). */
    public Decision explain(ClientIdentity identity) {
        return run(identity, false);
    }

    public List<CertificateCheck> checks() {
        return checks;
    }

    private Decision run(ClientIdentity identity, boolean stopAtFirstFailure) {
        Objects.requireNonNull(identity, "identity");
        CheckContext context = new CheckContext(clock.instant(), clockSkew);
        List<CheckResult> results = new ArrayList<>(checks.size());
        for (CertificateCheck check : checks) {
            CheckResult result = runOne(check, identity, context);
            results.add(result);
            if (stopAtFirstFailure && !result.passed()) {
                break;
            }
        }
        return Decision.of(results);
    }

    private static CheckResult runOne(CertificateCheck check, ClientIdentity identity, CheckContext context) {
        try {
            return check.check(identity, context);
        } catch (RuntimeException e) {
            // fail closed: a check that cannot decide (a certificate field that will not parse, a bug) refuses
            return CheckResult.fail(check.name(), RejectReason.BAD_CERTIFICATE, "check failed: " + e);
        }
    }

    @Override
    public String toString() {
        return "ClientCertificatePolicy" + checks.stream().map(CertificateCheck::name).toList();
    }
}
