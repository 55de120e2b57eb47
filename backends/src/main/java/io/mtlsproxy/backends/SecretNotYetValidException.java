package io.mtlsproxy.backends;

import java.time.Instant;

/** The secret's activation date ({@code nbf}) is still ahead: a 404 with its own code, it may be served later. */
public final class SecretNotYetValidException extends SecretInactiveException {
    private final Instant validFrom;

    public SecretNotYetValidException(String secretName, String backend, Instant validFrom) {
        super(secretName, backend, "not valid before " + validFrom);
        this.validFrom = validFrom;
    }

    public Instant validFrom() {
        return validFrom;
    }
}
