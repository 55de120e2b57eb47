package io.mtlsproxy.backends;

/** The secret is disabled in its store (Key Vault: {@code enabled: false}, 403 {@code SecretDisabled}): a 410. */
public final class SecretDisabledException extends SecretInactiveException {

    public SecretDisabledException(String secretName, String backend) {
        super(secretName, backend, "disabled");
    }
}
