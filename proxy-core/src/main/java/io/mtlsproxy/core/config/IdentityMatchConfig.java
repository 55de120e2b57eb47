package io.mtlsproxy.core.config;

import java.util.List;
import java.util.Objects;

/**
 * Which identities a rule covers. Every field that is set must match (AND); within a field any
 * entry may match (OR).
 *
 * @param thumbprints SHA-1 or SHA-256 thumbprints of the leaf
 * @param subject subject DN globs, compared in canonical form (case and spacing folded)
 * @param issuer issuer DN globs, compared in canonical form
 * @param san SAN globs with a kind prefix: {@code dns:}, {@code uri:}, {@code email:}, {@code ip:}
 * @param anyAuthenticated true to cover every device that passed the policy; must be said explicitly
 */
public record IdentityMatchConfig(
        List<String> thumbprints,
        List<String> subject,
        List<String> issuer,
        List<String> san,
        Boolean anyAuthenticated) {

    public IdentityMatchConfig {
        thumbprints = thumbprints == null ? List.of() : List.copyOf(thumbprints);
        subject = subject == null ? List.of() : List.copyOf(subject);
        issuer = issuer == null ? List.of() : List.copyOf(issuer);
        san = san == null ? List.of() : List.copyOf(san);
        anyAuthenticated = Objects.requireNonNullElse(anyAuthenticated, false);
    }

    public boolean isEmpty() {
        return thumbprints.isEmpty() && subject.isEmpty() && issuer.isEmpty() && san.isEmpty();
    }
}
