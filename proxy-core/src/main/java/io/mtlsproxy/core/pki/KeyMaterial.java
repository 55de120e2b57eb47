package io.mtlsproxy.core.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/** A private key with its certificate chain (leaf first). Never prints the key. */
public record KeyMaterial(PrivateKey privateKey, List<X509Certificate> chain) {
    public KeyMaterial {
        Objects.requireNonNull(privateKey, "privateKey");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a key needs its certificate");
        }
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    @Override
    public String toString() {
        return "KeyMaterial[" + privateKey.getAlgorithm() + " key, subject="
                + certificate().getSubjectX500Principal().getName() + ", chain=" + chain.size() + "]";
    }
}
