package io.mtlsproxy.core.config;

import java.util.List;

/** Who may read which secret. Nothing is readable unless a rule grants it. */
public record AccessConfig(List<AccessRuleConfig> rules) {
    public AccessConfig {
        rules = rules == null ? List.of() : List.copyOf(rules);
    }

    public static AccessConfig denyAll() {
        return new AccessConfig(List.of());
    }
}
