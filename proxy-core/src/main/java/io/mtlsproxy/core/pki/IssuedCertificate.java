package io.mtlsproxy.core.pki;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate this process issued, with its key pair and its chain up to (and including) the
 * root. Used by the demo, the {@code pki} command and per-test PKIs.
 */
public record IssuedCertificate(KeyPair keyPair, List<X509Certificate> chain) {
    public IssuedCertificate {
        chain = List.copyOf(chain);
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** The chain a client or server presents: the leaf and its intermediates, without the root. */
    public List<X509Certificate> presentedChain() {
        return chain.size() <= 1 ? chain : chain.subList(0, chain.size() - 1);
    }

    public KeyMaterial keyMaterial() {
        return new KeyMaterial(keyPair.getPrivate(), presentedChain());
    }

    public String certificatePem() {
        return PemFiles.toPem(certificate());
    }

    public String presentedChainPem() {
        return PemFiles.toPem(presentedChain());
    }

    public String privateKeyPem() {
        try {
            return PemFiles.toPem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(keyPair.getPrivate(), null));
        } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
            throw new IllegalStateException("private key cannot be encoded", e);
        }
    }

    @Override
    public String toString() {
        return "IssuedCertificate[" + certificate().getSubjectX500Principal().getName() + "]";
    }
}
