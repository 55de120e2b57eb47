package io.mtlsproxy.core.config;

import java.util.List;
import java.util.Objects;

/**
 * The servers behind one proxy route, spoken to in HTTP/1.1.
 *
 * @param targets base URLs, {@code http://host:port} or {@code https://host:port}, all of one scheme
 * @param balancing how a request picks a target: {@code round-robin} (the default) or {@code least-requests}
 * @param tls how {@code https} targets are trusted, and the gateway's client certificate towards them
 * @param timeouts connect, response-header and idle timeouts
 * @param retries further attempts for an idempotent request whose attempt never reached the upstream
 *     (connect failure, or a pooled connection found closed); default 1
 * @param health passive health: targets that keep refusing connections are skipped for a while
 * @param pool keep-alive connections kept per target
 */
public record UpstreamConfig(
        List<String> targets,
        Balancing balancing,
        UpstreamTlsConfig tls,
        UpstreamTimeoutsConfig timeouts,
        Integer retries,
        PassiveHealthConfig health,
        UpstreamPoolConfig pool) {

    public UpstreamConfig {
        targets = targets == null ? List.of() : List.copyOf(targets);
        balancing = Objects.requireNonNullElse(balancing, Balancing.ROUND_ROBIN);
        tls = Objects.requireNonNullElseGet(tls, UpstreamTlsConfig::defaults);
        timeouts = Objects.requireNonNullElseGet(timeouts, UpstreamTimeoutsConfig::defaults);
        retries = Objects.requireNonNullElse(retries, 1);
        health = Objects.requireNonNullElseGet(health, PassiveHealthConfig::defaults);
        pool = Objects.requireNonNullElseGet(pool, UpstreamPoolConfig::defaults);
    }

    /** How a request picks one of the healthy targets. */
    public enum Balancing {
        @com.fasterxml.jackson.annotation.JsonProperty("round-robin") ROUND_ROBIN,
        @com.fasterxml.jackson.annotation.JsonProperty("least-requests") LEAST_REQUESTS
    }
}
