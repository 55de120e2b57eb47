package io.mtlsproxy.core.config;

import io.mtlsproxy.core.identity.Thumbprints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/** Checks a bound configuration; each problem names its setting. Contradictions fail here, not at run time. */
final class ConfigValidator {
    private ConfigValidator() {}

    static List<String> validate(GatewayConfig config) {
        List<String> problems = new ArrayList<>();
        listener(config.listener(), problems);
        LimitsValidator.listener(config.listener(), problems);
        tls(config.tls(), problems);
        policy(config.policy(), config.tls(), config.listenerPolicyUsesEntra(), problems);
        knownPolicy("listener.policy", config.listener().policy(), config, problems);
        for (RoutePolicy route : config.routePolicies()) {
            knownPolicy(route.setting() + ".policy", route.policy(), config, problems);
        }
        access(config.access(), problems);
        secrets(config.secrets(), problems);
        if (config.origin().enabled() && !config.origin().path().startsWith("/")) {
            problems.add("origin.path: must start with '/'");
        }
        LimitsValidator.limits(config.limits(), problems);
        OperationsValidator.validate(config, problems);
        audit(config.audit(), problems);
        reload(config.reload(), problems);
        IngressValidator.validate(config, problems);
        return problems;
    }

    private static void knownPolicy(String setting, String name, GatewayConfig config, List<String> problems) {
        if (name != null && !config.policies().containsKey(name)) {
            problems.add(setting + ": no policy named '" + name + "' under policies (known: "
                    + new java.util.TreeSet<>(config.policies().keySet()) + ")");
        }
    }

    private static void audit(AuditConfig a, List<String> problems) {
        if (a.file() != null && java.nio.file.Files.isDirectory(a.file())) {
            problems.add("audit.file: " + a.file() + " is a directory; name the audit file");
        }
    }

    private static void reload(ReloadConfig r, List<String> problems) {
        positive("reload.debounce", r.debounce(), problems);
        if (r.drainGrace().isNegative()) {
            problems.add("reload.drainGrace: must not be negative");
        }
    }

    private static void listener(ListenerConfig l, List<String> problems) {
        if (l.port() < 0 || l.port() > 65535) {
            problems.add("listener.port: " + l.port() + " is not a TCP port (0-65535; 0 picks a free one)");
        }
        if (l.bind().isBlank()) {
            problems.add("listener.bind: empty address");
        }
        positive("listener.handshakeTimeout", l.handshakeTimeout(), problems);
        positive("listener.idleTimeout", l.idleTimeout(), problems);
        positive("listener.requestTimeout", l.requestTimeout(), problems);
        if (l.shutdownGrace().isNegative()) {
            problems.add("listener.shutdownGrace: must not be negative");
        }
        atLeast("listener.maxUriLength", l.maxUriLength(), 64, problems);
        atLeast("listener.maxHeaderSize", l.maxHeaderSize(), 256, problems);
        atLeast("listener.maxBodySize", l.maxBodySize(), 0, problems);
        atLeast("listener.ioThreads", l.ioThreads(), 0, problems);
        atLeast("listener.maxConcurrentStreams", l.maxConcurrentStreams(), 1, problems);
    }

    private static void tls(TlsConfig t, List<String> problems) {
        boolean pem = t.certificate() != null || t.privateKey() != null;
        if (pem && t.keystore() != null) {
            problems.add("tls.keystore: set either keystore or certificate + privateKey, not both");
        } else if (t.keystore() == null) {
            if (t.certificate() == null) {
                problems.add("tls.certificate: the server certificate chain (PEM) is required, or tls.keystore (PKCS#12)");
            }
            if (t.privateKey() == null) {
                problems.add("tls.privateKey: the server private key (PEM) is required, or tls.keystore (PKCS#12)");
            }
        }
        if (t.protocols().isEmpty()) {
            problems.add("tls.protocols: at least one of " + TlsConfig.SUPPORTED_PROTOCOLS);
        }
        for (int i = 0; i < t.protocols().size(); i++) {
            if (!TlsConfig.SUPPORTED_PROTOCOLS.contains(t.protocols().get(i))) {
                problems.add("tls.protocols[" + i + "]: '" + t.protocols().get(i) + "' is not allowed (only "
                        + TlsConfig.SUPPORTED_PROTOCOLS + ")");
            }
        }
        atLeast("tls.sessionCacheSize", t.sessionCacheSize(), 0, problems);
        atLeast("tls.sessionTimeout", t.sessionTimeout(), 1, problems);
    }

    private static void policy(PolicyConfig p, TlsConfig t, boolean entra, List<String> problems) {
        if (p.chainValidation() && t.trustAnchors().isEmpty()) {
            problems.add("tls.trustAnchors: chain validation is on (policy.chainValidation) but no trust anchor bundle is configured");
        }
        if (!p.chainValidation() && p.allowedThumbprints().isEmpty() && !entra) {
            problems.add("policy: no check left: with policy.chainValidation off, policy.allowedThumbprints must list the devices "
                    + "(otherwise any self-made certificate would be accepted)");
        }
        for (int i = 0; i < p.allowedThumbprints().size(); i++) {
            if (Thumbprints.normalize(p.allowedThumbprints().get(i)).isEmpty()) {
                problems.add("policy.allowedThumbprints[" + i + "]: '" + p.allowedThumbprints().get(i)
                        + "' is not a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint");
            }
        }
        if (p.trustedRootThumbprint() != null) {
            if (Thumbprints.normalize(p.trustedRootThumbprint()).isEmpty()) {
                problems.add("policy.trustedRootThumbprint: '" + p.trustedRootThumbprint()
                        + "' is not a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint");
            }
            if (!p.chainValidation()) {
                problems.add("policy.trustedRootThumbprint: set, but policy.chainValidation is off, so it would have no effect");
            }
        }
        if (p.clockSkew().isNegative() || p.clockSkew().compareTo(Duration.ofHours(1)) > 0) {
            problems.add("policy.clockSkew: must be between 0 and 1h");
        }
        atLeast("policy.chainCacheSize", p.chainCacheSize(), 0, problems);
        positive("policy.chainCacheTtl", p.chainCacheTtl(), problems);
    }

    private static void access(AccessConfig a, List<String> problems) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < a.rules().size(); i++) {
            AccessRuleConfig rule = a.rules().get(i);
            String at = "access.rules[" + i + "]";
            if (rule.name() == null || rule.name().isBlank()) {
                problems.add(at + ".name: every rule needs a name (it is the reason shown in audit lines)");
            } else if (!names.add(rule.name())) {
                problems.add(at + ".name: '" + rule.name() + "' is used by another rule");
            }
            if (rule.secrets().isEmpty()) {
                problems.add(at + ".secrets: list the secret names (globs) this rule grants");
            }
            for (int j = 0; j < rule.secrets().size(); j++) {
                if (rule.secrets().get(j) == null || rule.secrets().get(j).isBlank()) {
                    problems.add(at + ".secrets[" + j + "]: empty pattern");
                }
            }
            IdentityMatchConfig match = rule.match();
            if (match == null || (match.isEmpty() && !match.anyAuthenticated())) {
                problems.add(at + ".match: says nothing; set thumbprints, subject, issuer or san, "
                        + "or anyAuthenticated: true to grant every device that passes the policy");
                continue;
            }
            if (match.anyAuthenticated() && !match.isEmpty()) {
                problems.add(at + ".match: anyAuthenticated: true contradicts the other match fields; use one or the other");
            }
            for (int j = 0; j < match.thumbprints().size(); j++) {
                if (Thumbprints.normalize(match.thumbprints().get(j)).isEmpty()) {
                    problems.add(at + ".match.thumbprints[" + j + "]: not a SHA-1 or SHA-256 thumbprint");
                }
            }
            dnPatterns(at + ".match.subject", match.subject(), problems);
            dnPatterns(at + ".match.issuer", match.issuer(), problems);
            for (int j = 0; j < match.san().size(); j++) {
                String san = match.san().get(j);
                int colon = san == null ? -1 : san.indexOf(':');
                String kind = colon < 0 ? "" : san.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
                if (!Set.of("dns", "uri", "email", "ip").contains(kind) || colon == san.length() - 1) {
                    problems.add(at + ".match.san[" + j + "]: write kind:pattern with kind dns, uri, email or ip");
                }
            }
        }
    }

    private static void dnPatterns(String at, List<String> patterns, List<String> problems) {
        for (int j = 0; j < patterns.size(); j++) {
            try {
                new X500Principal(patterns.get(j));
            } catch (IllegalArgumentException e) {
                problems.add(at + "[" + j + "]: '" + patterns.get(j) + "' is not a distinguished name ("
                        + e.getMessage() + ")");
            }
        }
    }

    private static void secrets(SecretsConfig s, List<String> problems) {
        atLeast("secrets.cache.maxEntries", s.cache().maxEntries(), 1, problems);
        SecretsValidator.check(s, problems);
        if (s.backends().isEmpty()) {
            problems.add("secrets.backends: at least one backend is required");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < s.backends().size(); i++) {
            BackendConfig backend = s.backends().get(i);
            String at = "secrets.backends[" + i + "]";
            if (!names.add(backend.name())) {
                problems.add(at + ".name: '" + backend.name() + "' is used by another backend");
            }
            if (backend instanceof BackendConfig.Files files && files.directory() == null) {
                problems.add(at + ".directory: a file backend needs the directory that holds the secrets");
            }
            if (backend instanceof BackendConfig.KeyVault vault) {
                KeyVaultChecks.check(at, vault, problems);
            }
            if (backend instanceof BackendConfig.Table table) {
                TableBackendChecks.check(at, table, problems);
            }
            if (backend instanceof BackendConfig.AppSettings app) {
                envPrefix(at, app.envPrefix(), problems);
                app.values().keySet().stream()
                        .filter(k -> !io.mtlsproxy.core.secret.SecretNames.isValid(k))
                        .forEach(k -> problems.add(at + ".values." + k + ": not a valid secret name"));
            }
        }
        String def = s.effectiveDefaultBackend();
        if (s.defaultBackend() != null && !names.contains(def)) {
            problems.add("secrets.defaultBackend: no backend is named '" + def + "'");
        }
    }

    /**
     * The prefix decides which environment variables clients can read: an empty one exposes the
     * whole environment, and one overlapping MTLSPROXY_ exposes passwords given as overrides.
     */
    private static void envPrefix(String at, String prefix, List<String> problems) {
        String upper = prefix.toUpperCase(java.util.Locale.ROOT);
        if (prefix.isBlank()) {
            problems.add(at + ".envPrefix: must not be empty (every environment variable would become a readable secret)");
        } else if (ConfigLoader.OVERRIDE_PREFIX.startsWith(upper) || upper.startsWith(ConfigLoader.OVERRIDE_PREFIX)) {
            problems.add(at + ".envPrefix: '" + prefix + "' overlaps " + ConfigLoader.OVERRIDE_PREFIX
                    + ", the prefix of configuration overrides (passwords set that way would become readable secrets)");
        }
    }

    private static void positive(String name, Duration d, List<String> problems) {
        if (d.isNegative() || d.isZero()) {
            problems.add(name + ": must be longer than zero");
        }
    }

    private static void atLeast(String name, int value, int min, List<String> problems) {
        if (value < min) {
            problems.add(name + ": must be at least " + min);
        }
    }
}
