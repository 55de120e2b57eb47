package io.mtlsproxy.policy.rules;

import io.mtlsproxy.policy.CertificateCheck;
import java.util.Objects;

/**
 * A named policy from {@code policies}, compiled.
 *
 * @param name the policy's name, e.g. {@code kiosks}
 * @param syncChecks every synchronous rule of the policy as one check named {@code policies.<name>},
 *     to run during the handshake; it passes when the policy has no synchronous rule
 * @param requiresEntra the policy holds {@code entraDevice}: the caller must also run the
 *     asynchronous Entra device check (Microsoft Graph) after the handshake, all-of with the rest.
 *     {@link PolicyCompiler} only allows it where all-of holds (never under {@code anyOf}), so
 *     running it after {@code syncChecks} keeps the policy's meaning.
 */
public record CompiledPolicy(String name, CertificateCheck syncChecks, boolean requiresEntra) {
    public CompiledPolicy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(syncChecks, "syncChecks");
    }

    /** How results and errors name the policy: {@code policies.<name>}. */
    public static String path(String name) {
        return "policies." + name;
    }
}
