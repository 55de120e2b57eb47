package io.mtlsproxy.policy;

import java.math.BigInteger;
import java.security.Principal;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.Set;

/**
 * What BoringSSL hands the trust manager for a certificate whose DER is garbage: Netty's lazily
 * parsed wrapper, which returns the bytes but fails on the first parsed field.
 */
final class UnparsableCertificate extends X509Certificate {
    private final byte[] der;

    UnparsableCertificate(byte[] der) {
        this.der = der.clone();
    }

    private static IllegalStateException unparsable() {
        return new IllegalStateException("certificate DER cannot be parsed");
    }

    @Override public byte[] getEncoded() { return der.clone(); }
    @Override public void checkValidity() { throw unparsable(); }
    @Override public void checkValidity(Date date) { throw unparsable(); }
    @Override public int getVersion() { throw unparsable(); }
    @Override public BigInteger getSerialNumber() { throw unparsable(); }
    @SuppressWarnings("deprecation") // abstract in X509Certificate, so it must be implemented
    @Override public Principal getIssuerDN() { throw unparsable(); }
    @SuppressWarnings("deprecation")
    @Override public Principal getSubjectDN() { throw unparsable(); }
    @Override public Date getNotBefore() { throw unparsable(); }
    @Override public Date getNotAfter() { throw unparsable(); }
    @Override public byte[] getTBSCertificate() { throw unparsable(); }
    @Override public byte[] getSignature() { throw unparsable(); }
    @Override public String getSigAlgName() { throw unparsable(); }
    @Override public String getSigAlgOID() { throw unparsable(); }
    @Override public byte[] getSigAlgParams() { throw unparsable(); }
    @Override public boolean[] getIssuerUniqueID() { throw unparsable(); }
    @Override public boolean[] getSubjectUniqueID() { throw unparsable(); }
    @Override public boolean[] getKeyUsage() { throw unparsable(); }
    @Override public int getBasicConstraints() { throw unparsable(); }
    @Override public void verify(PublicKey key) { throw unparsable(); }
    @Override public void verify(PublicKey key, String sigProvider) { throw unparsable(); }
    @Override public PublicKey getPublicKey() { throw unparsable(); }
    @Override public boolean hasUnsupportedCriticalExtension() { throw unparsable(); }
    @Override public Set<String> getCriticalExtensionOIDs() { throw unparsable(); }
    @Override public Set<String> getNonCriticalExtensionOIDs() { throw unparsable(); }
    @Override public byte[] getExtensionValue(String oid) { throw unparsable(); }
    @Override public String toString() { return "UnparsableCertificate"; }
}
