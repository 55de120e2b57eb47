package io.mtlsproxy.policy.revocation;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.security.cert.CRLReason;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/**
 * One verified CRL, indexed for the handshake: its revoked serials in a hash map, its scope (user
 * or CA certificates only, a distribution-point partition) and its validity. Immutable.
 */
final class LoadedCrl {
    /** CRL extensions this class understands; a CRL with any other critical extension is refused (RFC 5280, 5.2). */
    private static final Set<String> UNDERSTOOD_CRITICAL = Set.of(
            Extension.issuingDistributionPoint.getId(), Extension.cRLNumber.getId(), Extension.authorityKeyIdentifier.getId());

    final X500Principal issuer;
    final String source;
    final X509Certificate signer;
    final Instant thisUpdate;
    final Instant nextUpdate;
    final BigInteger number;
    final Map<BigInteger, Revoked> revoked;
    private final boolean onlyUserCerts;
    private final boolean onlyCaCerts;
    private final Set<URI> partition;

    private LoadedCrl(X509CRL crl, X509Certificate signer, String source, Map<BigInteger, Revoked> revoked,
            boolean onlyUserCerts, boolean onlyCaCerts, Set<URI> partition, BigInteger number) {
        this.issuer = crl.getIssuerX500Principal();
        this.source = source;
        this.signer = signer;
        this.thisUpdate = crl.getThisUpdate().toInstant();
        this.nextUpdate = crl.getNextUpdate() == null ? null : crl.getNextUpdate().toInstant();
        this.number = number;
        this.revoked = revoked;
        this.onlyUserCerts = onlyUserCerts;
        this.onlyCaCerts = onlyCaCerts;
        this.partition = partition;
    }

    /**
     * Indexes a CRL whose signature the caller has verified.
     *
     * @throws CrlException when the CRL is of a kind this gateway cannot use (delta, indirect, reason-partitioned,
     *     unknown critical extension)
     */
    static LoadedCrl of(X509CRL crl, X509Certificate signer, String source) throws CrlException {
        for (String oid : nullToEmpty(crl.getCriticalExtensionOIDs())) {
            if (!UNDERSTOOD_CRITICAL.contains(oid)) {
                throw new CrlException("has the critical extension " + oid + ", which this gateway does not understand"
                        + (oid.equals(Extension.deltaCRLIndicator.getId()) ? " (a delta CRL; configure the base CRL)" : ""));
            }
        }
        if (crl.getExtensionValue(Extension.deltaCRLIndicator.getId()) != null) {
            throw new CrlException("is a delta CRL; configure the base CRL");
        }
        boolean onlyUser = false;
        boolean onlyCa = false;
        Set<URI> partition = Set.of();
        byte[] idpValue = crl.getExtensionValue(Extension.issuingDistributionPoint.getId());
        if (idpValue != null) {
            IssuingDistributionPoint idp;
            try {
                idp = IssuingDistributionPoint.getInstance(JcaX509ExtensionUtils.parseExtensionValue(idpValue));
            } catch (IOException | RuntimeException e) {
                throw new CrlException("has an unreadable issuing distribution point");
            }
            if (idp.isIndirectCRL()) {
                throw new CrlException("is an indirect CRL, which this gateway does not support");
            }
            if (idp.getOnlySomeReasons() != null) {
                throw new CrlException("covers only some revocation reasons, which this gateway does not support");
            }
            if (idp.onlyContainsAttributeCerts()) {
                throw new CrlException("covers only attribute certificates");
            }
            onlyUser = idp.onlyContainsUserCerts();
            onlyCa = idp.onlyContainsCACerts();
            partition = Set.copyOf(CertificateUrls.fullNameUris(idp.getDistributionPoint()));
        }
        BigInteger number = null;
        byte[] numberValue = crl.getExtensionValue(Extension.cRLNumber.getId());
        if (numberValue != null) {
            try {
                number = ASN1Integer.getInstance(JcaX509ExtensionUtils.parseExtensionValue(numberValue)).getValue();
            } catch (IOException | RuntimeException e) {
                throw new CrlException("has an unreadable CRL number");
            }
        }
        Map<BigInteger, Revoked> revoked = new HashMap<>();
        Set<? extends X509CRLEntry> entries = crl.getRevokedCertificates();
        if (entries != null) {
            for (X509CRLEntry entry : entries) {
                if (entry.hasUnsupportedCriticalExtension()) {
                    throw new CrlException("has an entry (serial " + entry.getSerialNumber().toString(16)
                            + ") with a critical extension this gateway does not understand");
                }
                if (entry.getCertificateIssuer() != null && !entry.getCertificateIssuer().equals(crl.getIssuerX500Principal())) {
                    throw new CrlException("names another certificate issuer in an entry (an indirect CRL)");
                }
                CRLReason reason = entry.getRevocationReason();
                if (reason == CRLReason.REMOVE_FROM_CRL) {
                    continue; // meaningful in delta CRLs only
                }
                revoked.put(entry.getSerialNumber(), new Revoked(entry.getRevocationDate().toInstant(), reason));
            }
        }
        return new LoadedCrl(crl, signer, source, revoked, onlyUser, onlyCa, partition, number);
    }

    /**
     * Whether this CRL speaks for the certificate: user/CA scope, and the distribution-point
     * partition when the CRL is partitioned and the certificate names distribution points.
     */
    boolean covers(X509Certificate cert) {
        if (onlyUserCerts || onlyCaCerts) {
            boolean ca = cert.getBasicConstraints() >= 0;
            if ((onlyUserCerts && ca) || (onlyCaCerts && !ca)) {
                return false;
            }
        }
        if (partition.isEmpty()) {
            return true;
        }
        List<URI> points = CertificateUrls.crlDistributionPoints(cert);
        if (points.isEmpty()) {
            return true; // a certificate without distribution points can only be judged by its issuer's CRLs
        }
        for (URI point : points) {
            if (partition.contains(point)) {
                return true;
            }
        }
        return false;
    }

    boolean staleAt(Instant now, Duration grace) {
        return nextUpdate != null && now.isAfter(nextUpdate.plus(grace));
    }

    /** Same issuer, same revoked serials: an update that changes no verdict. */
    boolean sameVerdicts(LoadedCrl other) {
        return issuer.equals(other.issuer) && revoked.keySet().equals(other.revoked.keySet());
    }

    Set<BigInteger> revokedSerials() {
        return new HashSet<>(revoked.keySet());
    }

    /** For details and logs: whose CRL, from where, and its validity. */
    String describe() {
        return "CRL of '" + issuer.getName() + "' from " + source + " (thisUpdate " + thisUpdate
                + (nextUpdate == null ? ", no nextUpdate" : ", nextUpdate " + nextUpdate)
                + (number == null ? "" : ", number " + number) + ")";
    }

    private static Set<String> nullToEmpty(Set<String> set) {
        return set == null ? Set.of() : set;
    }

    /** A revoked serial: when and why. */
    record Revoked(Instant date, CRLReason reason) {
        String describe() {
            return "revoked at " + date + ", reason "
                    + (reason == null ? "not given" : reason.name().toLowerCase(java.util.Locale.ROOT) + " (" + reason.ordinal() + ")");
        }
    }

    /** A CRL this gateway refuses to use. */
    static final class CrlException extends Exception {
        CrlException(String message) {
            super(message);
        }
    }
}
