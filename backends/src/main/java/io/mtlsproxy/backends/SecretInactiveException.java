package io.mtlsproxy.backends;

/**
 * The store holds the secret, but its own attributes say it must not be served now: disabled,
 * expired or not valid yet. Unlike {@link SecretUnavailableException} a retry does not help
 * until someone changes the secret; unlike {@link SecretNotFoundException} the secret exists.
 */
public abstract sealed class SecretInactiveException extends SecretBackendException
        permits SecretDisabledException, SecretExpiredException, SecretNotYetValidException {
    private final String secretName;
    private final String backend;

    SecretInactiveException(String secretName, String backend, String state) {
        // An answer about the secret's state, not a fault: a stack trace would only cost time.
        super("secret '" + secretName + "' in backend '" + backend + "' is " + state, null, false);
        this.secretName = secretName;
        this.backend = backend;
    }

    public String secretName() {
        return secretName;
    }

    public String backend() {
        return backend;
    }
}
