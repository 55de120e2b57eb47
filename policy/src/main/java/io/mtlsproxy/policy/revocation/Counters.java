package io.mtlsproxy.policy.revocation;

import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link RevocationStats}; shared by the parts of one {@link Revocation}. */
final class Counters {
    final LongAdder crlUnavailablePasses = new LongAdder();
    final LongAdder crlUnavailableRefusals = new LongAdder();
    final LongAdder crlLoads = new LongAdder();
    final LongAdder crlLoadFailures = new LongAdder();
    final LongAdder denyListReloads = new LongAdder();
    final LongAdder denyListReloadFailures = new LongAdder();
    final LongAdder ocspRequests = new LongAdder();
    final LongAdder ocspCacheHits = new LongAdder();
    final LongAdder ocspSoftFailPasses = new LongAdder();
    final LongAdder ocspHardFailRefusals = new LongAdder();
    final LongAdder revocationEvents = new LongAdder();

    RevocationStats snapshot() {
        return new RevocationStats(
                crlUnavailablePasses.sum(),
                crlUnavailableRefusals.sum(),
                crlLoads.sum(),
                crlLoadFailures.sum(),
                denyListReloads.sum(),
                denyListReloadFailures.sum(),
                ocspRequests.sum(),
                ocspCacheHits.sum(),
                ocspSoftFailPasses.sum(),
                ocspHardFailRefusals.sum(),
                revocationEvents.sum());
    }
}
