package io.mtlsproxy.core.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The servers behind one proxy route, spoken to in HTTP/1.1 or HTTP/2.
 *
 * @param targets base URLs, {@code http://host:port} or {@code https://host:port}, all of one scheme
 * @param protocol {@code http1} (the default) or {@code h2}: HTTP/2 negotiated by ALPN on https targets
 *     (HTTP/1.1 on a connection whose server picks it), prior-knowledge h2c on http ones
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
        Protocol protocol,
        Balancing balancing,
        UpstreamTlsConfig tls,
        UpstreamTimeoutsConfig timeouts,
        Integer retries,
        PassiveHealthConfig health,
        UpstreamPoolConfig pool) {

    public UpstreamConfig {
        targets = targets == null ? List.of() : List.copyOf(targets);
        protocol = Objects.requireNonNullElse(protocol, Protocol.HTTP1);
        balancing = Objects.requireNonNullElse(balancing, Balancing.ROUND_ROBIN);
        tls = Objects.requireNonNullElseGet(tls, UpstreamTlsConfig::defaults);
        timeouts = Objects.requireNonNullElseGet(timeouts, UpstreamTimeoutsConfig::defaults);
        retries = Objects.requireNonNullElse(retries, 1);
        health = Objects.requireNonNullElseGet(health, PassiveHealthConfig::defaults);
        pool = Objects.requireNonNullElseGet(pool, UpstreamPoolConfig::defaults);
    }

    /** What the gateway speaks to the targets. */
    public enum Protocol {
        HTTP1("http1"), H2("h2");

        private final String configName;

        Protocol(String configName) {
            this.configName = configName;
        }

        @JsonValue
        public String configName() {
            return configName;
        }

        /** Reads the config name; case and surrounding blanks do not matter. */
        @JsonCreator
        public static Protocol fromConfigName(String name) {
            String text = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
            for (Protocol protocol : values()) {
                if (protocol.configName.equals(text)) {
                    return protocol;
                }
            }
            throw new IllegalArgumentException("'" + name + "' is not one of http1, h2");
        }
    }

    /** How a request picks one of the healthy targets. */
    public enum Balancing {
        @com.fasterxml.jackson.annotation.JsonProperty("round-robin") ROUND_ROBIN,
        @com.fasterxml.jackson.annotation.JsonProperty("least-requests") LEAST_REQUESTS
    }
}
