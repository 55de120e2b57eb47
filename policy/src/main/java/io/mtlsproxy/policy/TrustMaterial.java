package io.mtlsproxy.policy;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.PolicyConfig;
import io.mtlsproxy.core.config.TlsConfig;
import io.mtlsproxy.core.identity.Thumbprints;
import io.mtlsproxy.core.pki.PemFiles;
import io.mtlsproxy.core.pki.PkiException;
import java.nio.file.Path;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.security.auth.x500.X500Principal;

/**
 * The CAs client certificates chain to: the trust anchors ({@code tls.trustAnchors}, optionally
 * narrowed to one by {@code policy.trustedRootThumbprint}) and the intermediates
 * ({@code tls.intermediates}) for clients that send only their leaf. Immutable; a reload builds a
 * new one.
 */
public final class TrustMaterial {
    private final List<X509Certificate> anchors;
    private final List<X509Certificate> intermediates;
    private final Map<X500Principal, List<TrustAnchor>> anchorsBySubject;
    private final Map<X500Principal, List<X509Certificate>> intermediatesBySubject;

    private TrustMaterial(Collection<X509Certificate> anchors, Collection<X509Certificate> intermediates) {
        // the same CA may sit in two bundles; keep it once, in file order
        this.anchors = List.copyOf(new LinkedHashSet<>(anchors));
        this.intermediates = List.copyOf(new LinkedHashSet<>(intermediates));
        this.anchorsBySubject = bySubject(this.anchors, cert -> new TrustAnchor(cert, null));
        this.intermediatesBySubject = bySubject(this.intermediates, Function.identity());
    }

    /** Trust material from certificates at hand (tests, tools). */
    public static TrustMaterial of(Collection<X509Certificate> anchors, Collection<X509Certificate> intermediates) {
        return new TrustMaterial(anchors, intermediates);
    }

    /**
     * Reads {@code tls.trustAnchors} and {@code tls.intermediates} and applies
     * {@code policy.trustedRootThumbprint}.
     *
     * @throws ConfigException naming each setting whose file cannot be used
     */
    public static TrustMaterial load(TlsConfig tls, PolicyConfig policy) throws ConfigException {
        List<String> problems = new ArrayList<>();
        List<X509Certificate> anchors = readBundles("tls.trustAnchors", tls.trustAnchors(), problems);
        List<X509Certificate> intermediates = readBundles("tls.intermediates", tls.intermediates(), problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        if (policy.trustedRootThumbprint() != null) {
            anchors = List.of(pickAnchor(policy.trustedRootThumbprint(), anchors));
        }
        return new TrustMaterial(anchors, intermediates);
    }

    /** The trust anchors: what the server names in its CertificateRequest. */
    public List<X509Certificate> acceptedIssuers() {
        return anchors;
    }

    public List<X509Certificate> intermediates() {
        return intermediates;
    }

    List<TrustAnchor> anchorsFor(X500Principal subject) {
        return anchorsBySubject.getOrDefault(subject, List.of());
    }

    List<X509Certificate> intermediatesFor(X500Principal subject) {
        return intermediatesBySubject.getOrDefault(subject, List.of());
    }

    private static List<X509Certificate> readBundles(String setting, List<Path> files, List<String> problems) {
        List<X509Certificate> certs = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            try {
                certs.addAll(PemFiles.readCertificates(files.get(i)));
            } catch (PkiException e) {
                problems.add(setting + "[" + i + "]: " + e.getMessage());
            }
        }
        return certs;
    }

    private static X509Certificate pickAnchor(String thumbprint, List<X509Certificate> anchors) throws ConfigException {
        Optional<String> wanted = Thumbprints.normalize(thumbprint);
        if (wanted.isEmpty()) {
            throw new ConfigException("policy.trustedRootThumbprint: '" + thumbprint
                    + "' is not a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint");
        }
        for (X509Certificate anchor : anchors) {
            if (wanted.get().equals(Thumbprints.sha1Hex(anchor)) || wanted.get().equals(Thumbprints.sha256Hex(anchor))) {
                return anchor;
            }
        }
        String found = anchors.stream()
                .map(a -> "'" + a.getSubjectX500Principal().getName() + "' (SHA-1 " + Thumbprints.sha1Hex(a) + ")")
                .collect(Collectors.joining(", "));
        throw new ConfigException("policy.trustedRootThumbprint: no certificate in tls.trustAnchors has thumbprint "
                + wanted.get() + (found.isEmpty() ? " (no anchors loaded)" : "; found " + found));
    }

    private static <T> Map<X500Principal, List<T>> bySubject(List<X509Certificate> certs, Function<X509Certificate, T> as) {
        Map<X500Principal, List<T>> map = new HashMap<>();
        for (X509Certificate cert : certs) {
            map.computeIfAbsent(cert.getSubjectX500Principal(), s -> new ArrayList<>()).add(as.apply(cert));
        }
        map.replaceAll((subject, list) -> List.copyOf(list));
        return Map.copyOf(map);
    }

    @Override
    public String toString() {
        return "TrustMaterial[" + anchors.size() + " anchors, " + intermediates.size() + " intermediates]";
    }
}
