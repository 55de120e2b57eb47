package io.mtlsproxy.policy;

import io.mtlsproxy.core.identity.ClientIdentity;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * PKIX validation of the presented chain to the configured trust anchors (the origin's
 * CertChainValidation, plus intermediates). Intermediates come from the presented chain or from
 * the configured bundles. Revocation is not checked here.
 *
 * <p>The path is assembled here and validated by the JDK's {@link CertPathValidator} ("PKIX")
 * rather than found by {@code CertPathBuilder}, because a builder reports every failure as "unable
 * to find valid certification path": an expired intermediate or an issuer without the CA flag would
 * all become unknown_ca. The assembly only picks candidates (by issuer name and signature); every
 * security decision is the validator's, so a poor pick can only refuse, never admit.
 *
 * <p>Time: the validator runs at a moment when every certificate of the path is valid (now,
 * whenever the path is currently valid), so its verdict is about structure and signatures only.
 * The leaf's own validity belongs to {@link ValidityCheck}, which every policy runs first, so
 * {@link ClientCertificatePolicy#explain} reports an expired leaf once; the certificates above it
 * are judged here against now with the clock skew, and refused as EXPIRED / NOT_YET_VALID, never as
 * unknown_ca.
 *
 * <p>With {@code allowExpired} (policy.allowExpired) an expired certificate above the leaf passes and
 * the result says so. Structure and signatures are still validated, at a moment inside the window
 * where every certificate of the path was valid; a path without such a window (a CA certificate that
 * expired before the leaf was issued) is refused even then.
 */
public final class ChainValidationCheck implements CertificateCheck {
    public static final String NAME = "chain";

    private static final CheckResult PASSED = CheckResult.pass(NAME);
    /** Real device PKIs have one or two intermediates. */
    private static final int MAX_INTERMEDIATES = 6;
    /** The client chooses the chain it sends, so the signatures one search may verify are bounded. */
    private static final int MAX_SIGNATURE_CHECKS = 24;

    private final TrustMaterial trust;
    private final boolean allowExpired;

    /**
     * Expired certificates refused.
     *
     * @throws IllegalArgumentException when the trust material holds no anchor
     */
    public ChainValidationCheck(TrustMaterial trust) {
        this(trust, false);
    }

    /**
     * @param allowExpired accept expired certificates above the leaf (policy.allowExpired)
     * @throws IllegalArgumentException when the trust material holds no anchor
     */
    public ChainValidationCheck(TrustMaterial trust, boolean allowExpired) {
        this.trust = Objects.requireNonNull(trust, "trust");
        this.allowExpired = allowExpired;
        if (trust.acceptedIssuers().isEmpty()) {
            throw new IllegalArgumentException("chain validation needs at least one trust anchor");
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult check(ClientIdentity identity, CheckContext context) {
        PathSearch search = new PathSearch(identity.chain(), context.now());
        CandidatePath path = search.find();
        if (path == null) {
            return CheckResult.fail(NAME, RejectReason.UNKNOWN_CA, search.failure());
        }
        CertPathValidatorException invalid = validate(path, momentOfValidity(path.certificates(), context.now()));
        if (invalid != null) {
            return CheckResult.fail(NAME, reasonOf(invalid), describe(invalid, path));
        }
        // from index 1: the leaf's own dates are ValidityCheck's
        String expiredButAllowed = null;
        for (X509Certificate cert : path.certificates().subList(1, path.certificates().size())) {
            Instant notAfter = cert.getNotAfter().toInstant();
            Instant notBefore = cert.getNotBefore().toInstant();
            if (context.now().isAfter(notAfter.plus(context.clockSkew()))) {
                String expired = "'" + subject(cert) + "' in the chain expired at " + notAfter + " (now " + context.now() + ")";
                if (!allowExpired) {
                    return CheckResult.fail(NAME, RejectReason.EXPIRED, expired);
                }
                expiredButAllowed = expiredButAllowed == null ? expired : expiredButAllowed + "; " + expired;
            }
            if (context.now().isBefore(notBefore.minus(context.clockSkew()))) {
                return CheckResult.fail(NAME, RejectReason.NOT_YET_VALID,
                        "'" + subject(cert) + "' in the chain is not valid before " + notBefore + " (now " + context.now() + ")");
            }
        }
        if (expiredButAllowed != null) {
            return new CheckResult(NAME, true, null, "passed only because policy.allowExpired is on: " + expiredButAllowed);
        }
        return PASSED;
    }

    /** Now, moved into the window where every certificate of the path is valid, if there is one. */
    private static Instant momentOfValidity(List<X509Certificate> certs, Instant now) {
        Instant from = Instant.MIN;
        Instant until = Instant.MAX;
        for (X509Certificate cert : certs) {
            Instant notBefore = cert.getNotBefore().toInstant();
            Instant notAfter = cert.getNotAfter().toInstant();
            from = notBefore.isAfter(from) ? notBefore : from;
            until = notAfter.isBefore(until) ? notAfter : until;
        }
        if (from.isAfter(until)) {
            return now; // no common window: the validator's own time verdict is then the answer
        }
        return now.isBefore(from) ? from : now.isAfter(until) ? until : now;
    }

    private static CertPathValidatorException validate(CandidatePath path, Instant at) {
        try {
            PKIXParameters parameters = new PKIXParameters(Set.of(path.anchor()));
            parameters.setRevocationEnabled(false); // revocation gets its own check (CRL, OCSP, deny list)
            parameters.setDate(Date.from(at));
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path.certificates());
            CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
            return null;
        } catch (CertPathValidatorException e) {
            return e;
        } catch (GeneralSecurityException e) {
            // a JDK without PKIX or X.509 support: a deployment fault, refused by the policy's catch-all
            throw new IllegalStateException("PKIX validation is unavailable", e);
        }
    }

    private static RejectReason reasonOf(CertPathValidatorException e) {
        CertPathValidatorException.Reason reason = e.getReason();
        if (reason == BasicReason.EXPIRED) {
            return RejectReason.EXPIRED;
        }
        if (reason == BasicReason.NOT_YET_VALID) {
            return RejectReason.NOT_YET_VALID;
        }
        if (reason == PKIXReason.NO_TRUST_ANCHOR) {
            return RejectReason.UNKNOWN_CA;
        }
        return RejectReason.BAD_CERTIFICATE;
    }

    private static String describe(CertPathValidatorException e, CandidatePath path) {
        int index = e.getIndex();
        String where = index >= 0 && index < path.certificates().size()
                ? " at '" + subject(path.certificates().get(index)) + "'"
                : "";
        return "PKIX " + e.getReason() + where + ": " + e.getMessage();
    }

    private static String subject(X509Certificate cert) {
        return cert.getSubjectX500Principal().getName();
    }

    private static boolean validAt(X509Certificate cert, Instant instant) {
        return !instant.isBefore(cert.getNotBefore().toInstant()) && !instant.isAfter(cert.getNotAfter().toInstant());
    }

    /** Leaf first, up to the certificate the anchor signed; the anchor itself is not part of a PKIX path. */
    private record CandidatePath(List<X509Certificate> certificates, TrustAnchor anchor) {}

    /** Depth-first from the leaf through the issuers each certificate names; one per check, not shared. */
    private final class PathSearch {
        private final List<X509Certificate> presented;
        private final Instant now;
        private final List<X509Certificate> path = new ArrayList<>();
        private final Set<X509Certificate> visited = new HashSet<>();
        private int signatureChecks;

        PathSearch(List<X509Certificate> presented, Instant now) {
            this.presented = presented;
            this.now = now;
        }

        CandidatePath find() {
            X509Certificate leaf = presented.get(0);
            path.add(leaf);
            visited.add(leaf);
            TrustAnchor anchor = extend();
            return anchor == null ? null : new CandidatePath(List.copyOf(path), anchor);
        }

        String failure() {
            X509Certificate leaf = presented.get(0);
            String text = "no path from '" + subject(leaf) + "' (issuer '" + leaf.getIssuerX500Principal().getName()
                    + "') to a trust anchor";
            return signatureChecks > MAX_SIGNATURE_CHECKS
                    ? text + " (search stopped after " + MAX_SIGNATURE_CHECKS + " signature checks)"
                    : text;
        }

        private TrustAnchor extend() {
            X509Certificate last = path.get(path.size() - 1);
            X500Principal issuer = last.getIssuerX500Principal();
            for (TrustAnchor anchor : trust.anchorsFor(issuer)) {
                // an anchor is matched by its key, not its name: a look-alike CA shares the name
                if (signs(anchor.getTrustedCert(), last)) {
                    return anchor;
                }
            }
            if (path.size() > MAX_INTERMEDIATES) {
                return null;
            }
            for (X509Certificate candidate : candidates(issuer)) {
                if (!visited.contains(candidate) && signs(candidate, last)) {
                    visited.add(candidate);
                    path.add(candidate);
                    TrustAnchor anchor = extend();
                    if (anchor != null) {
                        return anchor;
                    }
                    path.remove(path.size() - 1);
                }
            }
            return null;
        }

        private List<X509Certificate> candidates(X500Principal subject) {
            List<X509Certificate> found = new ArrayList<>();
            for (X509Certificate cert : presented.subList(1, presented.size())) {
                if (cert.getSubjectX500Principal().equals(subject)) {
                    found.add(cert);
                }
            }
            found.addAll(trust.intermediatesFor(subject));
            // a renewed intermediate may sit next to its expired predecessor (same name and key): try the valid one first
            found.sort(Comparator.comparing(cert -> !validAt(cert, now)));
            return found;
        }

        private boolean signs(X509Certificate issuer, X509Certificate cert) {
            if (++signatureChecks > MAX_SIGNATURE_CHECKS) {
                return false;
            }
            try {
                cert.verify(issuer.getPublicKey());
                return true;
            } catch (GeneralSecurityException | RuntimeException e) {
                return false;
            }
        }
    }
}
