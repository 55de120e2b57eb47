package io.mtlsproxy.core.pki;

/** Key or certificate material that cannot be read; the message names the file, never key bytes. */
public final class PkiException extends Exception {
    public PkiException(String message) {
        super(message);
    }

    public PkiException(String message, Throwable cause) {
        super(message, cause);
    }
}
