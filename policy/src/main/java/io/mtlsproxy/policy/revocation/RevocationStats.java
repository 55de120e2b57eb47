package io.mtlsproxy.policy.revocation;

/**
 * Counters since start, for metrics.
 *
 * @param crlUnavailablePasses certificates passed although their CRL was stale or unavailable (FAIL_OPEN)
 * @param crlUnavailableRefusals certificates refused because their CRL was stale or unavailable (FAIL_CLOSED)
 * @param crlLoads CRL sources loaded (a new or changed CRL installed)
 * @param crlLoadFailures CRL loads refused or failed (the last good CRL kept)
 * @param denyListReloads deny-list file versions applied
 * @param denyListReloadFailures deny-list file versions refused (the last good kept)
 * @param ocspRequests OCSP requests sent
 * @param ocspCacheHits OCSP checks answered from the cache
 * @param ocspSoftFailPasses certificates passed although OCSP gave no answer (soft fail)
 * @param ocspHardFailRefusals certificates refused because OCSP gave no answer (hard fail)
 * @param revocationEvents times the listeners were told the revocation data changed
 */
public record RevocationStats(
        long crlUnavailablePasses,
        long crlUnavailableRefusals,
        long crlLoads,
        long crlLoadFailures,
        long denyListReloads,
        long denyListReloadFailures,
        long ocspRequests,
        long ocspCacheHits,
        long ocspSoftFailPasses,
        long ocspHardFailRefusals,
        long revocationEvents) {}
