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
        ApiConfig api,
        OriginConfig origin,
        LimitsConfig limits,
        AdminConfig admin,
        LoggingConfig logging,
        AuditConfig audit,
        ReloadConfig reload,
        IngressConfig ingress) {

    public GatewayConfig {
        listener = Objects.requireNonNullElseGet(listener, ListenerConfig::defaults);
        tls = Objects.requireNonNullElseGet(tls, TlsConfig::empty);
        policy = Objects.requireNonNullElseGet(policy, PolicyConfig::defaults);
        policies = policies == null ? Map.of() : Map.copyOf(policies);
        revocation = Objects.requireNonNullElseGet(revocation, RevocationConfig::disabled);
        entra = Objects.requireNonNullElseGet(entra, EntraConfig::defaults);
        access = Objects.requireNonNullElseGet(access, AccessConfig::denyAll);
        secrets = Objects.requireNonNullElseGet(secrets, SecretsConfig::defaults);
        api = Objects.requireNonNullElseGet(api, ApiConfig::defaults);
        origin = Objects.requireNonNullElseGet(origin, OriginConfig::defaults);
        limits = Objects.requireNonNullElseGet(limits, LimitsConfig::defaults);
        admin = Objects.requireNonNullElseGet(admin, AdminConfig::defaults);
        logging = Objects.requireNonNullElseGet(logging, LoggingConfig::defaults);
        audit = Objects.requireNonNullElseGet(audit, AuditConfig::defaults);
        reload = Objects.requireNonNullElseGet(reload, ReloadConfig::defaults);
        ingress = Objects.requireNonNullElseGet(ingress, IngressConfig::disabled);
    }

    /** The route name of {@code /v1/secrets}. */
    public static final String API_ROUTE = "api";
    /** The route name of the origin's route. */
    public static final String ORIGIN_ROUTE = "origin";

    /** The rule name of an Entra device check in a policy tree. */
    public static final String ENTRA_RULE = "entraDevice";

    /** Whether the listener's named policy holds an Entra device check, which authenticates the device by itself. */
    public boolean listenerPolicyUsesEntra() {
        return usesEntra(listener.policy());
    }

    /** Whether the listener's policy or a route's holds an Entra device check, so Graph must be reachable. */
    public boolean anyPolicyUsesEntra() {
        return listenerPolicyUsesEntra() || routePolicies().stream().anyMatch(route -> usesEntra(route.policy()));
    }

    /** Whether the policy named {@code name} (if any) holds an Entra device check. */
    public boolean usesEntra(String name) {
        JsonNode tree = name == null ? null : policies.get(name);
        return tree != null && mentions(tree, ENTRA_RULE);
    }

    /** What {@code /v1/secrets} demands beyond the listener: its policy and its effective mode. */
    public RoutePolicy apiRoute() {
        return new RoutePolicy(API_ROUTE, "api", api.policy(), Objects.requireNonNullElse(api.mode(), listener.mode()));
    }

    /** What the origin's route demands beyond the listener: its policy and its effective mode. */
    public RoutePolicy originRoute() {
        return new RoutePolicy(ORIGIN_ROUTE, "origin", origin.policy(),
                Objects.requireNonNullElse(origin.mode(), listener.mode()));
    }

    /** Every built-in route's demands. */
    public java.util.List<RoutePolicy> routePolicies() {
        return java.util.List.of(apiRoute(), originRoute());
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
