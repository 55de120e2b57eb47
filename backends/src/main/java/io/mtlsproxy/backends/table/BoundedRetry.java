package io.mtlsproxy.backends.table;

import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.RetryStrategy;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * The SDK's retries, kept inside one backend timeout: two retries, with delays of a twentieth and
 * a tenth of the timeout (at most 250 ms and 500 ms), for transport errors and 408/500/502/504.
 * 429 and 503 are not retried: the store said how long to wait, and the caller should know that
 * now rather than after a sleep that outlasts the timeout.
 */
final class BoundedRetry implements RetryStrategy {
    static final int MAX_RETRIES = 2;

    private final Duration baseDelay;

    BoundedRetry(Duration timeout) {
        Duration twentieth = timeout.dividedBy(20);
        this.baseDelay = twentieth.compareTo(Duration.ofMillis(250)) > 0 ? Duration.ofMillis(250) : twentieth;
    }

    @Override
    public int getMaxRetries() {
        return MAX_RETRIES;
    }

    @Override
    public Duration calculateRetryDelay(int retryAttempts) {
        return baseDelay.multipliedBy(1L << Math.min(retryAttempts, 4));
    }

    @Override
    public boolean shouldRetry(HttpResponse response) {
        int status = response.getStatusCode();
        return status == 408 || status == 500 || status == 502 || status == 504;
    }

    @Override
    public boolean shouldRetryException(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }
}
