package io.mtlsproxy.core.config;

import java.util.Objects;

/**
 * Signing of the identity headers a route sets, so an upstream can check they came from this gateway
 * (HMAC-SHA256 with a timestamp, bound to the request's method and path; the scheme is documented on
 * {@code io.mtlsproxy.core.forwarded.IdentityHeaderVerifier}).
 *
 * @param keyFile file holding the shared key as base64 (standard or URL-safe alphabet) of at least 32
 *     bytes; the upstream holds the same key
 * @param header the header carrying the signature; {@code x-mtls-proxy-signature} by default
 */
public record SigningConfig(String keyFile, String header) {
    public static final String DEFAULT_HEADER = "x-mtls-proxy-signature";

    public SigningConfig {
        header = Objects.requireNonNullElse(header, DEFAULT_HEADER).strip().toLowerCase(java.util.Locale.ROOT);
    }
}
