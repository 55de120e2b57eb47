package io.mtlsproxy.policy;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.core.config.PolicyConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.Thumbprints;
import io.mtlsproxy.policy.rules.ChainDepthCheck;
import io.mtlsproxy.policy.rules.CompiledPolicy;
import io.mtlsproxy.policy.rules.KeyStrengthCheck;
import io.mtlsproxy.policy.rules.PolicyCompiler;
import io.mtlsproxy.policy.rules.SignatureAlgorithmCheck;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which client certificates may connect: an ordered list of checks that must all pass (the
 * origin's AUTH_METHODS semantics), the last one usually the listener's named policy (an all-of /
 * any-of tree of rules). Immutable and thread-safe.
 *
 * <p>Only synchronous checks run here, during the handshake. When the named policy holds
 * {@code entraDevice}, {@link #requiresEntra()} tells the caller to run the asynchronous Entra
 * device check after the handshake, all-of with this policy.
 */
public final class ClientCertificatePolicy {
    private static final Logger log = LoggerFactory.getLogger(ClientCertificatePolicy.class);

    private final List<CertificateCheck> checks;
    private final Duration clockSkew;
    private final Clock clock;
    private final CompiledPolicy named;
    private final Map<String, CompiledPolicy> policies;

    public ClientCertificatePolicy(List<? extends CertificateCheck> checks, Duration clockSkew, Clock clock) {
        this(checks, clockSkew, clock, null, Map.of());
    }

    private ClientCertificatePolicy(List<? extends CertificateCheck> checks, Duration clockSkew, Clock clock,
            CompiledPolicy named, Map<String, CompiledPolicy> policies) {
        this.policies = Map.copyOf(policies);
        this.checks = List.copyOf(checks);
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.named = named;
        if (this.checks.isEmpty()) {
            throw new IllegalArgumentException("a policy needs at least one check");
        }
    }

    /**
     * The baseline alone: the {@code policy} section, without a named policy.
     *
     * @throws ConfigException when the settings leave a certificate unchecked or name bad values
     * @see #fromConfig(PolicyConfig, CompiledPolicy, TrustMaterial, Clock)
     */
    public static ClientCertificatePolicy fromConfig(PolicyConfig config, TrustMaterial trust, Clock clock)
            throws ConfigException {
        return fromConfig(config, null, trust, clock);
    }

    /**
     * The device listener's policy: the baseline ({@code policy}) and the named policy
     * {@code listener.policy} picks from {@code policies}. Every named policy is compiled, used or
     * not, so a mistake in any of them fails start-up (or the reload); the problems of the baseline
     * and of every policy are reported together.
     *
     * @throws ConfigException naming each bad setting by its path
     */
    public static ClientCertificatePolicy fromConfig(GatewayConfig config, TrustMaterial trust, Clock clock)
            throws ConfigException {
        return fromConfig(config, trust, clock, null);
    }

    /**
     * As {@link #fromConfig(GatewayConfig, TrustMaterial, Clock)}, with the revocation check (deny
     * list and CRLs) placed right after chain validation: only certificates from the configured
     * CAs can make the gateway look up revocation data.
     *
     * @param revocation the handshake revocation check, or null when revocation is off
     */
    public static ClientCertificatePolicy fromConfig(GatewayConfig config, TrustMaterial trust, Clock clock,
            CertificateCheck revocation) throws ConfigException {
        List<String> problems = new ArrayList<>(baselineProblems(config.policy(), trust, config.listenerPolicyUsesEntra()));
        Map<String, CompiledPolicy> policies = Map.of();
        try {
            policies = PolicyCompiler.compileAll(config.policies());
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        String name = config.listener().policy();
        if (name != null && !config.policies().containsKey(name)) {
            problems.add("listener.policy: no policy named '" + name + "' under policies (known: "
                    + new java.util.TreeSet<>(config.policies().keySet()) + ")");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return fromConfig(config.policy(), name == null ? null : policies.get(name), policies, trust, clock, revocation);
    }

    /**
     * The baseline's checks, then the named policy's synchronous rules, in this order:
     *
     * <ol>
     *   <li>validity (always; first, so an expired device is told {@code expired});
     *   <li>chain depth, key strength, signature algorithms: cheap, and judged before PKIX so the
     *       reason stays precise (the JDK's validator refuses an MD5 signature or a tiny RSA key as a
     *       generic algorithm-constraint failure, here they are {@code weak_signature} / {@code weak_key});
     *   <li>chain validation (if {@code chainValidation}), the expensive one;
     *   <li>clientAuth EKU (if {@code requireClientAuthEku}), thumbprint allowlist (if any);
     *   <li>the named policy, after the chain, so a stranger's certificate is {@code unknown_ca},
     *       not a rule mismatch.
     * </ol>
     *
     * With {@code allowExpired} on, a WARN line says so each time a policy is built.
     *
     * @param named the compiled named policy, or null for the baseline alone
     * @throws ConfigException when the settings leave a certificate unchecked or name bad values
     */
    public static ClientCertificatePolicy fromConfig(PolicyConfig config, CompiledPolicy named, TrustMaterial trust,
            Clock clock) throws ConfigException {
        return fromConfig(config, named, named == null ? Map.of() : Map.of(named.name(), named), trust, clock, null);
    }

    private static ClientCertificatePolicy fromConfig(PolicyConfig config, CompiledPolicy named,
            Map<String, CompiledPolicy> policies, TrustMaterial trust, Clock clock, CertificateCheck revocation)
            throws ConfigException {
        List<String> problems = baselineProblems(config, trust, named != null && named.requiresEntra());
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        List<CertificateCheck> checks = new ArrayList<>();
        checks.add(new ValidityCheck(config.allowExpired()));
        checks.add(new ChainDepthCheck(ChainDepthCheck.NAME, config.maxChainDepth()));
        checks.add(new KeyStrengthCheck(KeyStrengthCheck.NAME, config.minRsaBits(), config.minEcBits()));
        checks.add(new SignatureAlgorithmCheck(SignatureAlgorithmCheck.NAME, config.forbiddenSignatureAlgorithms()));
        if (config.chainValidation()) {
            checks.add(new ChainValidationCheck(trust, config.allowExpired()));
        }
        if (revocation != null) {
            checks.add(revocation);
        }
        if (config.requireClientAuthEku()) {
            checks.add(new ExtendedKeyUsageCheck());
        }
        if (!config.allowedThumbprints().isEmpty()) {
            checks.add(new ThumbprintAllowlistCheck(config.allowedThumbprints()));
        }
        if (named != null) {
            checks.add(named.syncChecks());
        }
        if (config.allowExpired()) {
            log.warn("policy.allowExpired is ON: expired device certificates are accepted; an emergency setting, "
                    + "turn it off once the devices are renewed");
        }
        return new ClientCertificatePolicy(checks, config.clockSkew(), clock, named, policies);
    }

    /** @param entra the named policy asks Graph, which authenticates the device's key by itself */
    private static List<String> baselineProblems(PolicyConfig config, TrustMaterial trust, boolean entra) {
        List<String> problems = new ArrayList<>();
        if (config.chainValidation() && trust.acceptedIssuers().isEmpty()) {
            problems.add("tls.trustAnchors: policy.chainValidation is on but no trust anchor is configured");
        }
        if (!config.chainValidation() && config.allowedThumbprints().isEmpty() && !entra) {
            // validity alone would admit any self-made certificate
            problems.add("policy: with policy.chainValidation off, policy.allowedThumbprints must list the devices");
        }
        for (int i = 0; i < config.allowedThumbprints().size(); i++) {
            if (Thumbprints.normalize(config.allowedThumbprints().get(i)).isEmpty()) {
                problems.add("policy.allowedThumbprints[" + i + "]: '" + config.allowedThumbprints().get(i)
                        + "' is not a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint");
            }
        }
        between("policy.minRsaBits", config.minRsaBits(), 1024, 16384, problems);
        between("policy.minEcBits", config.minEcBits(), 160, 571, problems);
        between("policy.maxChainDepth", config.maxChainDepth(), 1, 16, problems);
        for (int i = 0; i < config.forbiddenSignatureAlgorithms().size(); i++) {
            String entry = config.forbiddenSignatureAlgorithms().get(i);
            try {
                new SignatureAlgorithmCheck(SignatureAlgorithmCheck.NAME, List.of(String.valueOf(entry)));
            } catch (IllegalArgumentException e) {
                problems.add("policy.forbiddenSignatureAlgorithms[" + i + "]: " + e.getMessage());
            }
        }
        return problems;
    }

    private static void between(String setting, int value, int min, int max, List<String> problems) {
        if (value < min || value > max) {
            problems.add(setting + ": " + value + " is out of range (" + min + " to " + max + ")");
        }
    }

    /** Runs the checks in order and stops at the first failure: the handshake path. */
    public Decision evaluate(ClientIdentity identity) {
        return run(identity, false);
    }

    /**
     * Runs every check, even after a failure, and every member of the named policy's all-of /
     * any-of tree, to show all that is wrong (the {@code inspect} tool; {@link Decision#describe()}).
     */
    public Decision explain(ClientIdentity identity) {
        return run(identity, true);
    }

    /** The top-level checks, in order; the named policy is the last one, named {@code policies.<name>}. */
    public List<CertificateCheck> checks() {
        return checks;
    }

    /** Every policy under {@code policies}, compiled once here, by name: routes name theirs from these. */
    public Map<String, CompiledPolicy> compiledPolicies() {
        return policies;
    }

    /** The listener's named policy, if one is configured. */
    public Optional<CompiledPolicy> namedPolicy() {
        return Optional.ofNullable(named);
    }

    /**
     * True when the named policy holds {@code entraDevice}: a device passing this policy must also
     * pass the asynchronous Entra device check, which is not part of {@link #evaluate}.
     */
    public boolean requiresEntra() {
        return named != null && named.requiresEntra();
    }

    private Decision run(ClientIdentity identity, boolean explain) {
        Objects.requireNonNull(identity, "identity");
        CheckContext context = new CheckContext(clock.instant(), clockSkew);
        List<CheckResult> results = new ArrayList<>(checks.size());
        for (CertificateCheck check : checks) {
            CheckResult result = runOne(check, identity, context, explain);
            results.add(result);
            if (!explain && !result.passed()) {
                break;
            }
        }
        return Decision.of(results);
    }

    private static CheckResult runOne(CertificateCheck check, ClientIdentity identity, CheckContext context, boolean explain) {
        try {
            return explain ? check.explain(identity, context) : check.check(identity, context);
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
