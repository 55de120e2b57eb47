package io.mtlsproxy.core.identity;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The validated identity of a client certificate, built once per connection and pinned to it.
 *
 * <p>Immutable: every field is derived from the presented chain when the identity is built, so a
 * request on a pinned connection never parses or hashes a certificate again.
 *
 * @param leaf the client's own certificate
 * @param chain the presented chain, leaf first
 * @param chainKey SHA-256 over the presented chain, the key of the validation caches
 * @param sha256 SHA-256 thumbprint of the leaf, lower-case hex
 * @param sha1 SHA-1 thumbprint of the leaf, lower-case hex (the origin's {@code CertThumb} is its upper-case form)
 * @param spkiSha256 base64 SHA-256 of the leaf's SubjectPublicKeyInfo (the HPKP/Envoy SPKI pin format)
 * @param subject subject DN in RFC 2253 form
 * @param issuer issuer DN in RFC 2253 form
 * @param serial serial number, lower-case hex
 * @param subjectAltNames the leaf's subject alternative names
 * @param notBefore start of validity
 * @param notAfter end of validity
 */
public record ClientIdentity(
        X509Certificate leaf,
        List<X509Certificate> chain,
        ChainKey chainKey,
        String sha256,
        String sha1,
        String spkiSha256,
        DistinguishedName subject,
        DistinguishedName issuer,
        String serial,
        SubjectAltNames subjectAltNames,
        Instant notBefore,
        Instant notAfter) {

    public ClientIdentity {
        Objects.requireNonNull(leaf, "leaf");
        chain = List.copyOf(chain);
        Objects.requireNonNull(chainKey, "chainKey");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(subjectAltNames, "subjectAltNames");
    }

    /**
     * Builds the identity from a presented chain (leaf first).
     *
     * @throws IdentityException when the chain is empty or the leaf cannot be read
     */
    public static ClientIdentity of(List<X509Certificate> chain) throws IdentityException {
        if (chain == null || chain.isEmpty()) {
            throw new IdentityException("no client certificate");
        }
        ChainKey chainKey;
        try {
            chainKey = ChainKey.of(chain);
        } catch (RuntimeException e) {
            throw new IdentityException("unreadable client certificate: " + e.getMessage(), e);
        }
        return of(chain, chainKey);
    }

    /** As {@link #of(List)}, reusing a chain key the caller already computed. */
    public static ClientIdentity of(List<X509Certificate> chain, ChainKey chainKey) throws IdentityException {
        if (chain == null || chain.isEmpty()) {
            throw new IdentityException("no client certificate");
        }
        X509Certificate leaf = chain.get(0);
        try {
            byte[] der = leaf.getEncoded();
            return new ClientIdentity(
                    leaf,
                    chain,
                    chainKey,
                    Thumbprints.hex(Thumbprints.sha256(der)),
                    Thumbprints.hex(Thumbprints.sha1(der)),
                    Thumbprints.spkiSha256(leaf),
                    DistinguishedName.of(leaf.getSubjectX500Principal()),
                    DistinguishedName.of(leaf.getIssuerX500Principal()),
                    leaf.getSerialNumber().toString(16),
                    SubjectAltNames.of(leaf),
                    leaf.getNotBefore().toInstant(),
                    leaf.getNotAfter().toInstant());
        } catch (CertificateParsingException | java.security.cert.CertificateEncodingException | RuntimeException e) {
            throw new IdentityException("unreadable client certificate: " + e.getMessage(), e);
        }
    }

    /** The first CN of the subject, or empty. */
    public String commonName() {
        return subject.commonName().orElse("");
    }

    /** The origin's thumbprint format: SHA-1, upper-case hex. */
    public String sha1Upper() {
        return sha1.toUpperCase(java.util.Locale.ROOT);
    }

    /** A short label for logs: subject and SHA-256 thumbprint. Never key material. */
    @Override
    public String toString() {
        return "ClientIdentity[subject=" + subject + ", sha256=" + sha256 + "]";
    }
}
