package io.mtlsproxy.core.config;

import java.util.List;

/**
 * One grant: identities matching {@code match} may read secrets matching {@code secrets} and use the
 * reverse-proxy routes matching {@code routes}.
 *
 * @param name shown in audit lines as the reason of an allow
 * @param match which identities the rule covers
 * @param secrets secret-name globs ('*' and '?'); {@code {cn}}, {@code {sha1}} and {@code {sha256}}
 *     are replaced by the caller's common name and thumbprints, so one rule can give every device
 *     its own secret (e.g. {@code device-{cn}})
 * @param routes reverse-proxy route names (globs) the identities may use; a rule grants secrets, routes or both
 */
public record AccessRuleConfig(String name, IdentityMatchConfig match, List<String> secrets, List<String> routes) {
    public AccessRuleConfig {
        secrets = secrets == null ? List.of() : List.copyOf(secrets);
        routes = routes == null ? List.of() : List.copyOf(routes);
    }

    /** A rule that grants secrets only. */
    public AccessRuleConfig(String name, IdentityMatchConfig match, List<String> secrets) {
        this(name, match, secrets, null);
    }
}
