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
}
