package io.mtlsproxy.backends;

/**
 * A secret could not be served. This base type means the backend answered with something it
 * cannot use (a 500); the subclasses are the outcomes callers handle differently.
 *
 * <p>No instance may carry a secret value, in its message or anywhere in its cause chain:
 * messages name only the secret and the backend, and causes are transport or file-system errors.
 */
public class SecretBackendException extends RuntimeException {

    public SecretBackendException(String message) {
        super(message);
    }

    protected SecretBackendException(String message, Throwable cause, boolean writableStackTrace) {
        super(message, cause, true, writableStackTrace);
    }
}
