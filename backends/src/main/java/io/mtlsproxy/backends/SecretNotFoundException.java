package io.mtlsproxy.backends;

/** The backend has no such secret, or not at the version asked for (a 404). */
public final class SecretNotFoundException extends SecretBackendException {
    private final String secretName;
    private final String backend;

    public SecretNotFoundException(String secretName, String backend) {
        // An expected answer driven by client input: a stack trace would only cost time.
        super("secret '" + secretName + "' not found in backend '" + backend + "'", null, false);
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
