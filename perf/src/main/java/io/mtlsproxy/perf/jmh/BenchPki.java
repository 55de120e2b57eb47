package io.mtlsproxy.perf.jmh;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.pki.KeyPairs;
import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A device PKI issued in memory with proxy-core's {@link CertificateBuilder}, for benchmarks: one
 * root, a line of intermediates below it, devices below the last one. Nothing touches the disk.
 *
 * <p>Depth is counted as the policy counts it ({@code maxChainDepth}, ChainDepthCheck): the
 * certificates a device presents, leaf included, root excluded. Depth 2 is leaf + one issuing CA,
 * depth 3 leaf + issuing CA + a policy CA.
 */
public final class BenchPki {
    /** The key every certificate of a PKI gets: EC P-256 (the default) or RSA-2048. */
    public enum Keys {
        P256, RSA2048;

        KeyPair generate() {
            return this == P256 ? KeyPairs.ecP256() : KeyPairs.rsa(2048);
        }
    }

    private final Keys keys;
    private final IssuedCertificate root;
    private final IssuedCertificate issuing;

    private BenchPki(Keys keys, IssuedCertificate root, IssuedCertificate issuing) {
        this.keys = keys;
        this.root = root;
        this.issuing = issuing;
    }

    /** @param depth certificates a device presents, leaf included (at least 1: leaf signed by the root) */
    static BenchPki create(int depth, Keys keys) {
        if (depth < 1) {
            throw new IllegalArgumentException("a chain holds at least the leaf");
        }
        Objects.requireNonNull(keys, "keys");
        IssuedCertificate root = CertificateBuilder.ca("CN=Bench Root,O=mtls-proxy").keyPair(keys.generate()).selfSigned();
        IssuedCertificate issuer = root;
        for (int level = 1; level < depth; level++) {
            issuer = CertificateBuilder.ca("CN=Bench CA " + level + ",O=mtls-proxy").keyPair(keys.generate())
                    .signedBy(issuer);
        }
        return new BenchPki(keys, root, issuer);
    }

    X509Certificate root() {
        return root.certificate();
    }

    /** A client certificate as an MDM profile would issue it: CN, a DNS and a URI SAN, EKU clientAuth. */
    IssuedCertificate device(String commonName) {
        return CertificateBuilder.client("CN=" + commonName + ",OU=Kiosks,O=mtls-proxy")
                .dns(commonName + ".devices.mtls-proxy.test")
                .uri("urn:device:" + commonName)
                .keyPair(keys.generate())
                .signedBy(issuing);
    }

    /** The gateway's own certificate, issued by the same root: EKU serverAuth, for {@code host}. */
    IssuedCertificate server(String host) {
        return CertificateBuilder.server("CN=" + host + ",O=mtls-proxy").dns(host).keyPair(keys.generate()).signedBy(root);
    }

    /**
     * {@code count} devices' presented chains as DER, so a benchmark can decode each one as the TLS
     * stack would hand it over. Only the leaves are distinct; the CAs above them are shared.
     */
    DerChains devices(String prefix, int count) {
        List<byte[][]> chains = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            chains.add(DerChains.encode(device(prefix + "-" + i).presentedChain()));
        }
        return new DerChains(chains);
    }

    /** Presented chains kept as DER: decoding one yields new certificate objects, nothing verified yet. */
    static final class DerChains {
        private final List<byte[][]> chains;
        private final CertificateFactory factory;

        private DerChains(List<byte[][]> chains) {
            this.chains = List.copyOf(chains);
            try {
                this.factory = CertificateFactory.getInstance("X.509");
            } catch (CertificateException e) {
                throw new IllegalStateException("X.509 is unavailable", e);
            }
        }

        int size() {
            return chains.size();
        }

        /** Chain {@code index}, decoded now (leaf first). */
        List<X509Certificate> decode(int index) {
            byte[][] ders = chains.get(index);
            List<X509Certificate> chain = new ArrayList<>(ders.length);
            try {
                for (byte[] der : ders) {
                    chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
                }
            } catch (CertificateException e) {
                throw new IllegalStateException("benchmark chain does not decode", e);
            }
            return chain;
        }

        private static byte[][] encode(List<X509Certificate> chain) {
            byte[][] ders = new byte[chain.size()][];
            try {
                for (int i = 0; i < ders.length; i++) {
                    ders[i] = chain.get(i).getEncoded();
                }
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalStateException("benchmark chain does not encode", e);
            }
            return ders;
        }
    }
}
