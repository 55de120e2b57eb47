package io.mtlsproxy.core.forwarded;

import io.mtlsproxy.core.pki.PemFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * RFC 9440 appendix A: the example chain (client, intermediate, root) and the two header values, with the
 * line breaks and indentation the RFC adds "for display and formatting purposes only" removed.
 */
final class Rfc9440Vectors {
    private Rfc9440Vectors() {}

    static List<X509Certificate> chain() {
        try {
            return PemFiles.parseCertificates(resource("rfc9440-appendix-a-chain.pem").getBytes(StandardCharsets.US_ASCII),
                    "rfc9440 chain");
        } catch (io.mtlsproxy.core.pki.PkiException e) {
            throw new IllegalStateException(e);
        }
    }

    static String clientCert() {
        return unfold(resource("rfc9440-appendix-a-client-cert.txt"));
    }

    static String clientCertChain() {
        return unfold(resource("rfc9440-appendix-a-client-cert-chain.txt"));
    }

    private static String unfold(String figure) {
        return figure.replace("\n ", "").strip();
    }

    static String resource(String name) {
        try (InputStream in = Rfc9440Vectors.class.getResourceAsStream("/forwarded/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
