package io.mtlsproxy.policy;

import java.util.Objects;

/**
 * Whether an identity may read a secret, and why: for audit lines, never for the client.
 *
 * @param allowed true when a rule grants the secret
 * @param rule the granting rule's name; null when denied
 * @param reason the rule's name on allow, {@value #NO_MATCHING_RULE} on deny
 */
public record AccessDecision(boolean allowed, String rule, String reason) {
    public static final String NO_MATCHING_RULE = "no_matching_rule";

    private static final AccessDecision DENIED = new AccessDecision(false, null, NO_MATCHING_RULE);

    public AccessDecision {
        Objects.requireNonNull(reason, "reason");
        if (allowed == (rule == null)) {
            throw new IllegalArgumentException("an allow names its rule and a deny names none");
        }
    }

    public static AccessDecision allow(String rule) {
        return new AccessDecision(true, rule, rule);
    }

    /** Deny by default: no rule granted the secret. */
    public static AccessDecision deny() {
        return DENIED;
    }
}
