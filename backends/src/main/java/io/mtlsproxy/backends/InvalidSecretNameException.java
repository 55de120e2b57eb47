package io.mtlsproxy.backends;

/**
 * The name fails {@link io.mtlsproxy.core.secret.SecretNames} (a 400). The name itself is left
 * out of the message: it is client input that may hold control characters or path fragments.
 */
public final class InvalidSecretNameException extends SecretBackendException {

    /** @param problem why the name is invalid, as given by {@code SecretNames.problem} */
    public InvalidSecretNameException(String problem) {
        // Client input, refused before any IO: a stack trace would only cost time.
        super("invalid secret name: " + problem, null, false);
    }
}
