package io.mtlsproxy.core.identity;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * SHA-256 over the DER of every certificate of a presented chain, in order: the key of the
 * chain-validation and identity caches. Four longs, so equality and hashing cost nothing.
 */
public record ChainKey(long a, long b, long c, long d) {

    public static ChainKey of(List<? extends X509Certificate> chain) {
        MessageDigest digest = Thumbprints.newSha256();
        try {
            for (X509Certificate cert : chain) {
                byte[] der = cert.getEncoded();
                // the length prefix keeps (A,BC) and (AB,C) apart
                digest.update(ByteBuffer.allocate(4).putInt(der.length).array());
                digest.update(der);
            }
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded", e);
        }
        ByteBuffer hash = ByteBuffer.wrap(digest.digest());
        return new ChainKey(hash.getLong(), hash.getLong(), hash.getLong(), hash.getLong());
    }

    public String hex() {
        return String.format("%016x%016x%016x%016x", a, b, c, d);
    }

    @Override
    public String toString() {
        return hex();
    }
}
