package io.mtlsproxy.backends;

/**
 * The version asked for fails {@link io.mtlsproxy.core.secret.SecretVersions} (a 400). Like a bad
 * name, the version itself is client input and stays out of the message.
 */
public final class InvalidSecretVersionException extends SecretBackendException {

    public InvalidSecretVersionException(String problem) {
        super("invalid secret version: " + problem, null, false);
    }
}
