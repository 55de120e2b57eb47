package io.mtlsproxy.backends;

import java.util.Objects;

/**
 * A secret as the cache serves it.
 *
 * @param value the secret
 * @param stale true when its backend failed or timed out and this is the last good value, served
 *     within the backend's {@code staleIfError} grace period
 */
public record CachedSecret(SecretValue value, boolean stale) {
    public CachedSecret {
        Objects.requireNonNull(value, "value");
    }
}
