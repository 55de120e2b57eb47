package io.mtlsproxy.core.config;

import java.util.Objects;

/**
 * The whole configuration: one YAML file, environment overrides applied, validated once at load.
 * Immutable; a reload builds a new one.
 */
public record GatewayConfig(
        ListenerConfig listener,
        TlsConfig tls,
        PolicyConfig policy,
        AccessConfig access,
        SecretsConfig secrets,
        OriginConfig origin) {

    public GatewayConfig {
        listener = Objects.requireNonNullElseGet(listener, ListenerConfig::defaults);
        tls = Objects.requireNonNullElseGet(tls, TlsConfig::empty);
        policy = Objects.requireNonNullElseGet(policy, PolicyConfig::defaults);
        access = Objects.requireNonNullElseGet(access, AccessConfig::denyAll);
        secrets = Objects.requireNonNullElseGet(secrets, SecretsConfig::defaults);
        origin = Objects.requireNonNullElseGet(origin, OriginConfig::defaults);
    }
}
