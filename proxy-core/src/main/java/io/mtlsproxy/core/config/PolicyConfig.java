package io.mtlsproxy.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Which client certificates may connect. Every configured check must pass (the origin's
 * AUTH_METHODS semantics); validity is always checked.
 *
 * @param chainValidation PKIX validation to {@code tls.trustAnchors} (the origin's CertChainValidation)
 * @param requireClientAuthEku the leaf must carry EKU clientAuth (or anyExtendedKeyUsage)
 * @param clockSkew tolerance on notBefore / notAfter
 * @param allowedThumbprints SHA-1 or SHA-256 thumbprints of the only leaves allowed (the origin's
 *     TrustedThumbprints / ALLOWED_CLIENT_CERTS); empty means no allowlist
 * @param trustedRootThumbprint SHA-1 or SHA-256 thumbprint picking the one anchor to trust out of
 *     {@code tls.trustAnchors} (the origin's CERT_ROOT_THUMBPRINT); empty means all of them
 * @param chainCacheSize how many validated chains are remembered
 * @param chainCacheTtl how long a validated chain is remembered, never past the leaf's notAfter
 * @param allowExpired accept expired certificates (chain and leaf); off by default, and loud when on
 * @param minRsaBits the smallest RSA key accepted anywhere in the chain (2048)
 * @param minEcBits the smallest EC key accepted anywhere in the chain (256, i.e. P-256)
 * @param forbiddenSignatureAlgorithms digest names refused in any signature of the chain ([SHA1, MD5])
 * @param maxChainDepth the most certificates a presented chain may have, anchor excluded (5)
 */
public record PolicyConfig(
        Boolean chainValidation,
        Boolean requireClientAuthEku,
        Duration clockSkew,
        List<String> allowedThumbprints,
        String trustedRootThumbprint,
        Integer chainCacheSize,
        Duration chainCacheTtl,
        Boolean allowExpired,
        Integer minRsaBits,
        Integer minEcBits,
        List<String> forbiddenSignatureAlgorithms,
        Integer maxChainDepth) {

    public PolicyConfig {
        chainValidation = Objects.requireNonNullElse(chainValidation, true);
        requireClientAuthEku = Objects.requireNonNullElse(requireClientAuthEku, true);
        clockSkew = Objects.requireNonNullElse(clockSkew, Duration.ofMinutes(1));
        allowedThumbprints = allowedThumbprints == null ? List.of() : List.copyOf(allowedThumbprints);
        chainCacheSize = Objects.requireNonNullElse(chainCacheSize, 10_000);
        chainCacheTtl = Objects.requireNonNullElse(chainCacheTtl, Duration.ofHours(1));
        allowExpired = Objects.requireNonNullElse(allowExpired, false);
        minRsaBits = Objects.requireNonNullElse(minRsaBits, 2048);
        minEcBits = Objects.requireNonNullElse(minEcBits, 256);
        forbiddenSignatureAlgorithms = forbiddenSignatureAlgorithms == null ? List.of("SHA1", "MD5")
                : List.copyOf(forbiddenSignatureAlgorithms);
        maxChainDepth = Objects.requireNonNullElse(maxChainDepth, 5);
    }

    public static PolicyConfig defaults() {
        return new PolicyConfig(null, null, null, null, null, null, null, null, null, null, null, null);
    }
}
