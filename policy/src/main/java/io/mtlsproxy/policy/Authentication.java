package io.mtlsproxy.policy;

import io.mtlsproxy.core.identity.ClientIdentity;
import java.util.Objects;

/**
 * The outcome of {@link ClientAuthenticator#authenticate}.
 *
 * @param identity the client's identity; null when no certificate was sent or it could not be read
 * @param decision the policy's verdict
 * @param fromCache true when a previous success for the same chain was reused
 */
public record Authentication(ClientIdentity identity, Decision decision, boolean fromCache) {
    public Authentication {
        Objects.requireNonNull(decision, "decision");
        if (decision.allowed() && identity == null) {
            throw new IllegalArgumentException("an allowed client has an identity");
        }
    }

    public boolean allowed() {
        return decision.allowed();
    }
}
