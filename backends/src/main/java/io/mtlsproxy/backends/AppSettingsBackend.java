package io.mtlsproxy.backends;

import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.secret.SecretNames;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Secrets from environment variables {@code <envPrefix><name>} (the origin's {@code VAR_<name>})
 * and from values written in the config file, which win over the environment.
 *
 * <p>Both sources are fixed for the life of the process, so every value, with its version, is
 * resolved once here and {@link #fetch} is a map lookup that completes at once.
 */
public final class AppSettingsBackend implements SecretBackend {
    private final String name;
    private final String type;
    private final Map<String, SecretValue> secrets;

    /**
     * @param environment the process environment ({@code System.getenv()} in production)
     * @throws IllegalArgumentException when the prefix is empty: every environment variable of
     *     the gateway, its own credentials included, would become a secret
     */
    public AppSettingsBackend(BackendConfig.AppSettings config, Map<String, String> environment) {
        String prefix = config.envPrefix();
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException("backend '" + config.name() + "': envPrefix must not be empty");
        }
        this.name = config.name();
        this.type = config.type();
        Map<String, SecretValue> values = new HashMap<>();
        environment.forEach((variable, value) -> {
            if (variable.startsWith(prefix)) {
                String secretName = variable.substring(prefix.length());
                // A variable whose remainder is not a valid name could never be asked for.
                if (SecretNames.isValid(secretName)) {
                    values.put(secretName, SecretValue.withDerivedVersion(secretName, value, name, type));
                }
            }
        });
        config.values().forEach((secretName, value) ->
                values.put(secretName, SecretValue.withDerivedVersion(secretName, value.reveal(), name, type)));
        this.secrets = Map.copyOf(values);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public CompletableFuture<SecretValue> fetch(SecretRef ref) {
        Optional<String> problem = SecretNames.problem(ref.name());
        if (problem.isPresent()) {
            return CompletableFuture.failedFuture(new InvalidSecretNameException(problem.get()));
        }
        SecretValue value = secrets.get(ref.name());
        if (value == null || !ref.accepts(value)) {
            return CompletableFuture.failedFuture(new SecretNotFoundException(ref.name(), name));
        }
        return CompletableFuture.completedFuture(value);
    }
}
