package io.mtlsproxy.core.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Revocation of client certificates: CRLs, OCSP and a local deny list. Off unless configured
 * (or the origin's {@code CERT_REVOCATION_MODE} asks for it).
 *
 * @param crlFiles CRL files (PEM or DER), each signature-checked against its issuer
 * @param crlUrls CRLs fetched over HTTP(S)
 * @param crlDistributionPoints also fetch the CRLs named in client certificates' CRL distribution points
 * @param refreshInterval how often CRLs are re-read; a CRL is also refreshed before its nextUpdate
 * @param whenCrlUnavailable what a stale (past nextUpdate) or unreachable CRL means: {@code FAIL_CLOSED}
 *     (the default: devices under that issuer are refused) or {@code FAIL_OPEN} (logged, counted, allowed)
 * @param ocsp OCSP for client certificates
 * @param denyList serials, thumbprints and SPKI pins refused at once, whatever CRLs say
 */
public record RevocationConfig(
        List<Path> crlFiles,
        List<URI> crlUrls,
        Boolean crlDistributionPoints,
        Duration refreshInterval,
        FailMode whenCrlUnavailable,
        OcspConfig ocsp,
        DenyListConfig denyList) {

    public enum FailMode { FAIL_CLOSED, FAIL_OPEN }

    public RevocationConfig {
        crlFiles = crlFiles == null ? List.of() : List.copyOf(crlFiles);
        crlUrls = crlUrls == null ? List.of() : List.copyOf(crlUrls);
        crlDistributionPoints = Objects.requireNonNullElse(crlDistributionPoints, false);
        refreshInterval = Objects.requireNonNullElse(refreshInterval, Duration.ofMinutes(5));
        whenCrlUnavailable = Objects.requireNonNullElse(whenCrlUnavailable, FailMode.FAIL_CLOSED);
        ocsp = Objects.requireNonNullElseGet(ocsp, OcspConfig::disabled);
        denyList = Objects.requireNonNullElseGet(denyList, DenyListConfig::empty);
    }

    public static RevocationConfig disabled() {
        return new RevocationConfig(null, null, null, null, null, null, null);
    }

    /** True when any revocation source is configured. */
    public boolean enabled() {
        return !crlFiles.isEmpty() || !crlUrls.isEmpty() || crlDistributionPoints || ocsp.enabled() || !denyList.isEmpty();
    }

    /**
     * OCSP for client certificates.
     *
     * @param enabled ask a responder for every new client certificate (answers cached to their nextUpdate)
     * @param responder a fixed responder URL; otherwise the certificate's AIA OCSP URL
     * @param timeout the longest one OCSP exchange may take
     * @param whenUnavailable {@code FAIL_CLOSED} (hard fail, the default) or {@code FAIL_OPEN} (soft fail)
     * @param cacheSize bound on cached OCSP answers
     */
    public record OcspConfig(Boolean enabled, URI responder, Duration timeout, FailMode whenUnavailable, Integer cacheSize) {
        public OcspConfig {
            enabled = Objects.requireNonNullElse(enabled, false);
            timeout = Objects.requireNonNullElse(timeout, Duration.ofSeconds(3));
            whenUnavailable = Objects.requireNonNullElse(whenUnavailable, FailMode.FAIL_CLOSED);
            cacheSize = Objects.requireNonNullElse(cacheSize, 50_000);
        }

        public static OcspConfig disabled() {
            return new OcspConfig(null, null, null, null, null);
        }
    }

    /**
     * Certificates refused at once, by the gateway itself.
     *
     * @param serials serial numbers (hex), optionally {@code issuerDN/serial}... written as {@code "serial"} or
     *     {@code "CN=Issuer,O=X#serial"} to scope to one issuer
     * @param thumbprints SHA-1 or SHA-256 thumbprints
     * @param spki base64 SHA-256 SPKI pins
     * @param file a file with one entry per line ({@code serial:HEX}, {@code sha256:HEX}, {@code sha1:HEX},
     *     {@code spki:BASE64}, {@code #} comments), re-read when it changes, so an entry applies within seconds
     */
    public record DenyListConfig(List<String> serials, List<String> thumbprints, List<String> spki, Path file) {
        public DenyListConfig {
            serials = serials == null ? List.of() : List.copyOf(serials);
            thumbprints = thumbprints == null ? List.of() : List.copyOf(thumbprints);
            spki = spki == null ? List.of() : List.copyOf(spki);
        }

        public static DenyListConfig empty() {
            return new DenyListConfig(null, null, null, null);
        }

        public boolean isEmpty() {
            return serials.isEmpty() && thumbprints.isEmpty() && spki.isEmpty() && file == null;
        }
    }
}
