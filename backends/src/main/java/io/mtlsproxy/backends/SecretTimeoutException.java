package io.mtlsproxy.backends;

import java.time.Duration;

/** The backend did not answer within its {@code timeout} (a 503 {@code backend_timeout}). */
public final class SecretTimeoutException extends SecretUnavailableException {

    public SecretTimeoutException(String secretName, String backend, Duration timeout) {
        // raised by the timer, not by a code path worth a trace
        super(secretName, backend, "no answer within " + timeout.toMillis() + " ms", null, null, false);
    }
}
