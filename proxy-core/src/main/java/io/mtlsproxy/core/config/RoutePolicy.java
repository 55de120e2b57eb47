package io.mtlsproxy.core.config;

import java.util.Objects;

/**
 * What one route demands of a client certificate beyond the listener's policy.
 *
 * @param route the route's name in logs and counters, e.g. {@code api}
 * @param setting where the route is configured, for error messages, e.g. {@code api}
 * @param policy the route's named policy, or null for the listener's alone
 * @param mode the route's mode: its own, or the listener's when the route names none
 */
public record RoutePolicy(String route, String setting, String policy, PolicyMode mode) {
    public RoutePolicy {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(setting, "setting");
        Objects.requireNonNull(mode, "mode");
    }
}
