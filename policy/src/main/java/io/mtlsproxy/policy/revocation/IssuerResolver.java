package io.mtlsproxy.policy.revocation;

import io.mtlsproxy.policy.TrustMaterial;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * Finds the CA certificate that signed a certificate or a CRL: among the configured anchors and
 * intermediates, and, for certificates a client presented, among the CA certificates of the
 * presented chain that themselves lead to a configured CA. Every candidate is accepted on its
 * signature, never on its name alone. Immutable.
 */
final class IssuerResolver {
    /** Real device PKIs have one or two intermediates. */
    private static final int MAX_DEPTH = 6;
    /** Key usage bit 6 is cRLSign (RFC 5280, 4.2.1.3). */
    private static final int CRL_SIGN = 6;

    private final Set<X509Certificate> anchors;
    private final Map<X500Principal, List<X509Certificate>> trustedBySubject;

    IssuerResolver(TrustMaterial trust) {
        this.anchors = Set.copyOf(trust.acceptedIssuers());
        Map<X500Principal, List<X509Certificate>> bySubject = new HashMap<>();
        for (X509Certificate cert : trust.acceptedIssuers()) {
            bySubject.computeIfAbsent(cert.getSubjectX500Principal(), s -> new ArrayList<>()).add(cert);
        }
        for (X509Certificate cert : trust.intermediates()) {
            bySubject.computeIfAbsent(cert.getSubjectX500Principal(), s -> new ArrayList<>()).add(cert);
        }
        bySubject.replaceAll((subject, certs) -> List.copyOf(certs));
        this.trustedBySubject = Map.copyOf(bySubject);
    }

    boolean isAnchor(X509Certificate cert) {
        return anchors.contains(cert);
    }

    /** Configured CAs (anchors, then intermediates) with this subject. */
    List<X509Certificate> trusted(X500Principal subject) {
        return trustedBySubject.getOrDefault(subject, List.of());
    }

    /**
     * The CA that signed {@code cert}: a configured one, or a CA certificate of {@code presented}
     * that leads to a configured one by signatures. Null when there is none.
     */
    X509Certificate verifiedIssuer(X509Certificate cert, List<X509Certificate> presented) {
        return verifiedIssuer(cert, presented, 0, new HashSet<>());
    }

    private X509Certificate verifiedIssuer(X509Certificate cert, List<X509Certificate> presented, int depth,
            Set<X509Certificate> visited) {
        X500Principal issuer = cert.getIssuerX500Principal();
        for (X509Certificate candidate : trusted(issuer)) {
            if (signs(candidate, cert)) {
                return candidate;
            }
        }
        if (depth >= MAX_DEPTH) {
            return null;
        }
        for (X509Certificate candidate : presented) {
            if (candidate != cert && candidate.getSubjectX500Principal().equals(issuer) && candidate.getBasicConstraints() >= 0
                    && visited.add(candidate) && signs(candidate, cert)
                    && verifiedIssuer(candidate, presented, depth + 1, visited) != null) {
                return candidate;
            }
        }
        return null;
    }

    /** True unless the certificate has a key usage extension without cRLSign. */
    static boolean maySignCrls(X509Certificate cert) {
        boolean[] usage = cert.getKeyUsage();
        return usage == null || (usage.length > CRL_SIGN && usage[CRL_SIGN]);
    }

    private static boolean signs(X509Certificate issuer, X509Certificate cert) {
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
