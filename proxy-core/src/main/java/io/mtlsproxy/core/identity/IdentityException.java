package io.mtlsproxy.core.identity;

/** A client certificate from which no identity can be built. */
public final class IdentityException extends Exception {
    public IdentityException(String message) {
        super(message);
    }

    public IdentityException(String message, Throwable cause) {
        super(message, cause);
    }
}
