package io.mtlsproxy.core.config;

/**
 * The device API, {@code /v1/secrets/{name}}.
 *
 * @param policy a named policy (from {@code policies}) a device must also pass to use this API, on
 *     top of the listener's; none means the listener's alone
 * @param mode {@code enforce} or {@code audit} for this API; none means the listener's mode
 */
public record ApiConfig(String policy, PolicyMode mode) {

    public static ApiConfig defaults() {
        return new ApiConfig(null, null);
    }
}
