package io.mtlsproxy.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;

/**
 * The whole configuration: one YAML file, environment overrides applied, validated once at load.
 * Immutable; a reload builds a new one.
 *
 * <p>{@code policies} holds named rule trees as written (all-of / any-of of rules); the policy
 * module compiles and validates them, naming the path of any mistake.
 */
public record GatewayConfig(
        ListenerConfig listener,
        TlsConfig tls,
        PolicyConfig policy,
        Map<String, JsonNode> policies,
        RevocationConfig revocation,
        EntraConfig entra,
        AccessConfig access,
        SecretsConfig secrets,
        OriginConfig origin) {

    public GatewayConfig {
        listener = Objects.requireNonNullElseGet(listener, ListenerConfig::defaults);
        tls = Objects.requireNonNullElseGet(tls, TlsConfig::empty);
        policy = Objects.requireNonNullElseGet(policy, PolicyConfig::defaults);
        policies = policies == null ? Map.of() : Map.copyOf(policies);
        revocation = Objects.requireNonNullElseGet(revocation, RevocationConfig::disabled);
        entra = Objects.requireNonNullElseGet(entra, EntraConfig::defaults);
        access = Objects.requireNonNullElseGet(access, AccessConfig::denyAll);
        secrets = Objects.requireNonNullElseGet(secrets, SecretsConfig::defaults);
        origin = Objects.requireNonNullElseGet(origin, OriginConfig::defaults);
    }

    /** The rule name of an Entra device check in a policy tree. */
    public static final String ENTRA_RULE = "entraDevice";

    /** Whether the listener's named policy holds an Entra device check, which authenticates the device by itself. */
    public boolean listenerPolicyUsesEntra() {
        JsonNode tree = listener.policy() == null ? null : policies.get(listener.policy());
        return tree != null && mentions(tree, ENTRA_RULE);
    }

    private static boolean mentions(JsonNode node, String rule) {
        if (node.isObject() && node.has(rule)) {
            return true;
        }
        for (JsonNode child : node) {
            if (mentions(child, rule)) {
                return true;
            }
        }
        return false;
    }
}
