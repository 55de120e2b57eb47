package io.mtlsproxy.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.mtlsproxy.core.config.AccessConfig;
import io.mtlsproxy.core.config.AccessRuleConfig;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.IdentityMatchConfig;
import io.mtlsproxy.core.identity.ChainKey;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.SubjectAltNames;
import io.mtlsproxy.core.identity.Thumbprints;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * Who may read which secret, and use which reverse-proxy route: {@code access.rules}, compiled once. Deny by default; the first rule
 * that covers the identity and has a secret pattern matching the name decides. Pure and
 * thread-safe; with many rules, which rules cover an identity is remembered per chain. A decision
 * allocates nothing beyond the caller's common name when a rule uses
 * {@code {cn}}.
 *
 * <p>Patterns are globs ('*' and '?'). Subject and issuer patterns are compared in canonical DN
 * form (case and spacing folded), a wildcard staying inside one attribute value; SAN patterns are
 * {@code dns:}, {@code uri:}, {@code email:} or {@code ip:} (DNS names and e-mail addresses case
 * folded; IPv6 in Java's written-out form, e.g. {@code 2001:db8:0:0:0:0:0:1}); thumbprints SHA-1 or
 * SHA-256 in any notation. Secret names are case-sensitive.
 */
public final class AccessRules {
    /**
     * From this many rules on, the rules covering an identity are remembered per chain. Matching a
     * rule's subject, issuer and SAN patterns is about 100 ns, and a device polling its secret asks
     * again on every request with the same identity: with 50 rules that was 4-6 µs per request,
     * more than the rest of a cached read. Below it, matching is cheaper than a lookup.
     */
    static final int COVERAGE_MEMO_FROM = 8;
    private static final int COVERAGE_MEMO_SIZE = 65_536;

    private final List<Rule> rules;
    private final boolean usesCommonName;
    /** Covering rules by chain, in rule order; null with few rules. Rules are fixed per instance (a reload builds new ones). */
    private final Cache<ChainKey, List<Rule>> coverage;

    private AccessRules(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        this.usesCommonName = rules.stream().flatMap(rule -> rule.secrets().stream()).anyMatch(Glob::usesCommonName);
        this.coverage = rules.size() < COVERAGE_MEMO_FROM ? null : Caffeine.newBuilder()
                .maximumSize(COVERAGE_MEMO_SIZE)
                .executor(Runnable::run) // eviction on the caller: no hand-off per decision
                .build();
    }

    /** @throws ConfigException naming every rule setting that cannot be compiled */
    public static AccessRules fromConfig(AccessConfig config) throws ConfigException {
        List<String> problems = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < config.rules().size(); i++) {
            rules.add(compile("access.rules[" + i + "]", config.rules().get(i), names, problems));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new AccessRules(rules);
    }

    public AccessDecision decide(ClientIdentity identity, String secretName) {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(secretName, "secretName");
        String commonName = usesCommonName ? identity.commonName() : null;
        for (Rule rule : candidates(identity)) {
            if (candidateCovers(rule, identity) && rule.grants(secretName, commonName, identity)) {
                return rule.allow();
            }
        }
        return AccessDecision.deny();
    }

    /**
     * Whether {@code identity} may use the reverse-proxy route named {@code route}: the first rule
     * that covers the identity and lists a matching route decides; deny by default.
     */
    public AccessDecision decideRoute(ClientIdentity identity, String route) {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(route, "route");
        for (Rule rule : candidates(identity)) {
            if (!rule.routes().isEmpty() && candidateCovers(rule, identity) && anyMatches(rule.routes(), route)) {
                return rule.allow();
            }
        }
        return AccessDecision.deny();
    }

    /** The rules to try for {@code identity}, in order: all of them, or with many rules those remembered to cover it. */
    private List<Rule> candidates(ClientIdentity identity) {
        return coverage == null ? rules : covering(identity);
    }

    /** Whether {@code rule}, one of {@link #candidates}, covers {@code identity}: remembered candidates do. */
    private boolean candidateCovers(Rule rule, ClientIdentity identity) {
        return coverage != null || rule.covers(identity);
    }

    /** The rules that cover {@code identity}, in order, matched once per chain. */
    private List<Rule> covering(ClientIdentity identity) {
        List<Rule> known = coverage.getIfPresent(identity.chainKey());
        if (known == null) {
            known = matching(identity);
            coverage.put(identity.chainKey(), known);
        }
        return known;
    }

    private List<Rule> matching(ClientIdentity identity) {
        List<Rule> covering = new ArrayList<>(2);
        for (Rule rule : rules) {
            if (rule.covers(identity)) {
                covering.add(rule);
            }
        }
        return List.copyOf(covering);
    }

    private static Rule compile(String at, AccessRuleConfig config, Set<String> names, List<String> problems) {
        String name = config.name();
        if (name == null || name.isBlank()) {
            problems.add(at + ".name: every rule needs a name (it is the reason shown in audit lines)");
        } else if (!names.add(name)) {
            problems.add(at + ".name: '" + name + "' is used by another rule");
        }
        IdentityMatchConfig match = Objects.requireNonNullElseGet(config.match(),
                () -> new IdentityMatchConfig(null, null, null, null, null));
        if (match.isEmpty() && !match.anyAuthenticated()) {
            problems.add(at + ".match: says nothing; set thumbprints, subject, issuer or san, "
                    + "or anyAuthenticated: true to grant every device that passes the policy");
        } else if (match.anyAuthenticated() && !match.isEmpty()) {
            problems.add(at + ".match: anyAuthenticated: true contradicts the other match fields; use one or the other");
        }
        if (config.secrets().isEmpty() && config.routes().isEmpty()) {
            problems.add(at + ".secrets: list the secret names (globs) this rule grants, or the routes in " + at + ".routes");
        }
        List<Glob> secrets = new ArrayList<>();
        for (int j = 0; j < config.secrets().size(); j++) {
            String pattern = config.secrets().get(j);
            if (isBlank(pattern)) {
                problems.add(at + ".secrets[" + j + "]: empty pattern");
                continue;
            }
            try {
                secrets.add(Glob.secretName(pattern));
            } catch (IllegalArgumentException e) {
                problems.add(at + ".secrets[" + j + "]: '" + pattern + "': " + e.getMessage());
            }
        }
        List<Glob> routes = new ArrayList<>();
        for (int j = 0; j < config.routes().size(); j++) {
            String pattern = config.routes().get(j);
            if (isBlank(pattern)) {
                problems.add(at + ".routes[" + j + "]: empty pattern");
                continue;
            }
            routes.add(Glob.compile(pattern, Glob.Mode.EXACT));
        }
        Set<String> thumbprints = new HashSet<>();
        for (int j = 0; j < match.thumbprints().size(); j++) {
            Optional<String> thumbprint = Thumbprints.normalize(match.thumbprints().get(j));
            if (thumbprint.isPresent()) {
                thumbprints.add(thumbprint.get());
            } else {
                problems.add(at + ".match.thumbprints[" + j + "]: '" + match.thumbprints().get(j)
                        + "' is not a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint");
            }
        }
        return new Rule(
                AccessDecision.allow(String.valueOf(name)),
                match.anyAuthenticated(),
                Set.copyOf(thumbprints),
                distinguishedNames(at + ".match.subject", match.subject(), problems),
                distinguishedNames(at + ".match.issuer", match.issuer(), problems),
                SanPatterns.compile(at + ".match.san", match.san(), problems),
                List.copyOf(secrets),
                List.copyOf(routes));
    }

    private static List<Glob> distinguishedNames(String at, List<String> patterns, List<String> problems) {
        List<Glob> globs = new ArrayList<>();
        for (int j = 0; j < patterns.size(); j++) {
            String pattern = patterns.get(j);
            if (isBlank(pattern)) {
                problems.add(at + "[" + j + "]: empty pattern");
                continue;
            }
            String canonical;
            try {
                canonical = new X500Principal(pattern).getName(X500Principal.CANONICAL);
            } catch (IllegalArgumentException e) {
                problems.add(at + "[" + j + "]: '" + pattern + "' is not a distinguished name (" + e.getMessage() + ")");
                continue;
            }
            if (wildcards(canonical) != wildcards(pattern)) {
                // the canonical form writes attributes without an RFC 2253 keyword (emailAddress,
                // serialNumber) as hex DER, where a '*' is just the byte 2a
                problems.add(at + "[" + j + "]: '" + pattern + "' has a wildcard in an attribute compared as hex "
                        + "(such as emailAddress or serialNumber); write that attribute out in full");
                continue;
            }
            globs.add(Glob.compile(canonical, Glob.Mode.DISTINGUISHED_NAME));
        }
        return List.copyOf(globs);
    }

    private static int wildcards(String text) {
        int count = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            count += c == '*' || c == '?' ? 1 : 0;
        }
        return count;
    }

    private static boolean isBlank(String text) {
        return text == null || text.isBlank();
    }

    private static boolean anyMatches(List<Glob> globs, String value) {
        for (Glob glob : globs) {
            if (glob.matches(value)) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyMatches(List<Glob> globs, List<String> values) {
        for (String value : values) {
            if (anyMatches(globs, value)) {
                return true;
            }
        }
        return false;
    }

    /** One compiled rule: who it covers (every set field must match, any entry within one) and what it grants. */
    private record Rule(
            AccessDecision allow,
            boolean anyAuthenticated,
            Set<String> thumbprints,
            List<Glob> subject,
            List<Glob> issuer,
            SanPatterns san,
            List<Glob> secrets,
            List<Glob> routes) {

        boolean covers(ClientIdentity identity) {
            if (anyAuthenticated) {
                return true;
            }
            return (thumbprints.isEmpty() || thumbprints.contains(identity.sha1()) || thumbprints.contains(identity.sha256()))
                    && (subject.isEmpty() || anyMatches(subject, identity.subject().canonical()))
                    && (issuer.isEmpty() || anyMatches(issuer, identity.issuer().canonical()))
                    && (san.isEmpty() || san.matches(identity.subjectAltNames()));
        }

        boolean grants(String secretName, String commonName, ClientIdentity identity) {
            for (Glob secret : secrets) {
                if (secret.matches(secretName, commonName, identity.sha1(), identity.sha256())) {
                    return true;
                }
            }
            return false;
        }
    }

    /** SAN patterns by kind; any pattern matching any name of its kind is a match. */
    private record SanPatterns(List<Glob> dns, List<Glob> uris, List<Glob> emails, List<Glob> ips) {
        static SanPatterns compile(String at, List<String> patterns, List<String> problems) {
            List<Glob> dns = new ArrayList<>();
            List<Glob> uris = new ArrayList<>();
            List<Glob> emails = new ArrayList<>();
            List<Glob> ips = new ArrayList<>();
            for (int j = 0; j < patterns.size(); j++) {
                String pattern = patterns.get(j);
                int colon = pattern == null ? -1 : pattern.indexOf(':');
                String kind = colon < 0 ? "" : pattern.substring(0, colon).toLowerCase(Locale.ROOT);
                String value = colon < 0 ? "" : pattern.substring(colon + 1);
                if (value.isEmpty()) {
                    problems.add(at + "[" + j + "]: write kind:pattern with kind dns, uri, email or ip");
                    continue;
                }
                switch (kind) {
                    case "dns" -> dns.add(Glob.compile(value, Glob.Mode.IGNORE_CASE));
                    case "uri" -> uris.add(Glob.compile(value, Glob.Mode.EXACT));
                    case "email" -> emails.add(Glob.compile(value, Glob.Mode.IGNORE_CASE));
                    case "ip" -> {
                        try {
                            ips.add(Glob.compile(ipAddress(value), Glob.Mode.EXACT));
                        } catch (UnknownHostException e) {
                            problems.add(at + "[" + j + "]: '" + value + "' is not an IP address");
                        }
                    }
                    default -> problems.add(at + "[" + j + "]: unknown kind '" + kind + "'; use dns, uri, email or ip");
                }
            }
            return new SanPatterns(List.copyOf(dns), List.copyOf(uris), List.copyOf(emails), List.copyOf(ips));
        }

        /** An IPv6 literal in the written-out form Java gives certificate SANs; anything else as written. */
        private static String ipAddress(String value) throws UnknownHostException {
            if (value.indexOf(':') < 0 || wildcards(value) > 0) {
                return value;
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') && c != ':' && c != '.') {
                    throw new UnknownHostException(value);
                }
            }
            // only hex digits, ':' and '.': InetAddress parses it as an IPv6 literal and never asks DNS
            return InetAddress.getByName(value).getHostAddress();
        }

        boolean isEmpty() {
            return dns.isEmpty() && uris.isEmpty() && emails.isEmpty() && ips.isEmpty();
        }

        boolean matches(SubjectAltNames names) {
            return anyMatches(dns, names.dns())
                    || anyMatches(uris, names.uris())
                    || anyMatches(emails, names.emails())
                    || anyMatches(ips, names.ips());
        }
    }
}
