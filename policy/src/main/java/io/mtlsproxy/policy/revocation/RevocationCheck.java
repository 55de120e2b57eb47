package io.mtlsproxy.policy.revocation;

import io.mtlsproxy.core.config.RevocationConfig.FailMode;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The revocation check of the TLS handshake: the local deny list first, then the CRL status of
 * every certificate of the presented chain but trust anchors. Never touches the network: CRLs are
 * loaded in the background by {@link CrlStore}. Belongs after chain validation, so that only
 * certificates of the configured CAs can make the gateway follow a distribution point.
 *
 * <p>When the CRL that should speak for a certificate is stale or not loaded,
 * {@code revocation.whenCrlUnavailable} decides: {@code FAIL_CLOSED} refuses with
 * {@link RejectReason#REVOCATION_UNKNOWN}; {@code FAIL_OPEN} passes, counts, and logs a warning
 * once per outage.
 *
 * <p>Cost: a few hash lookups per certificate of the chain. The first time a certificate names an
 * unknown distribution point, its issuer's signatures are verified (at most a few) before the
 * fetch is queued on the scheduler; that happens once per distribution point.
 */
public final class RevocationCheck implements CertificateCheck {
    public static final String NAME = "revocation";

    private static final Logger log = LoggerFactory.getLogger(RevocationCheck.class);
    private static final CheckResult PASSED = CheckResult.pass(NAME);

    private final DenyList denyList;
    private final CrlStore crls;
    private final FailMode whenCrlUnavailable;
    private final Counters counters;

    /**
     * @param denyList null for none
     * @param crls null for none
     */
    public RevocationCheck(DenyList denyList, CrlStore crls, FailMode whenCrlUnavailable) {
        this(denyList, crls, whenCrlUnavailable, new Counters());
    }

    RevocationCheck(DenyList denyList, CrlStore crls, FailMode whenCrlUnavailable, Counters counters) {
        if (denyList == null && crls == null) {
            throw new IllegalArgumentException("a revocation check needs a deny list or CRLs");
        }
        this.denyList = denyList;
        this.crls = crls;
        this.whenCrlUnavailable = Objects.requireNonNull(whenCrlUnavailable, "whenCrlUnavailable");
        this.counters = counters;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        if (denyList != null) {
            DenyList.Match match = denyList.match(identity);
            if (match != null) {
                return CheckResult.fail(NAME, RejectReason.REVOKED, "on the local deny list: " + match);
            }
        }
        if (crls == null) {
            return PASSED;
        }
        CrlStatus status = crls.chainStatus(identity.chain(), context.now());
        switch (status.kind()) {
            case REVOKED:
                return CheckResult.fail(NAME, RejectReason.REVOKED, status.detail());
            case UNKNOWN:
                if (whenCrlUnavailable == FailMode.FAIL_OPEN) {
                    counters.crlUnavailablePasses.increment();
                    if (crls.firstWarning(status.key())) {
                        log.warn("revocation: CRL status unknown, passing certificates anyway (whenCrlUnavailable: FAIL_OPEN): {}",
                                status.detail());
                    }
                    return new CheckResult(NAME, true, null,
                            "CRL status unknown, passed by whenCrlUnavailable: FAIL_OPEN: " + status.detail());
                }
                counters.crlUnavailableRefusals.increment();
                return CheckResult.fail(NAME, RejectReason.REVOCATION_UNKNOWN, status.detail());
            default:
                return PASSED;
        }
    }
}
