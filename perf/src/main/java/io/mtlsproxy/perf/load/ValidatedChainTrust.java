package io.mtlsproxy.perf.load;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The harness's check of the server: the JDK's PKIX validation with host name verification, done
 * once per distinct server chain; a handshake presenting exactly the chain already validated (byte
 * for byte, still within its validity) skips the rebuild of the path. With BoringSSL the chain check
 * calls back into Java, and PKIX path building per handshake would make the client cost more CPU
 * than the server it is measuring. A run talks to one host, so the host checked once stays checked.
 */
final class ValidatedChainTrust extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager pkix;
    private volatile byte[][] validated;

    private ValidatedChainTrust(X509ExtendedTrustManager pkix) {
        this.pkix = pkix;
    }

    static ValidatedChainTrust anchoredAt(List<X509Certificate> anchors) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("an empty key store cannot be created", e);
        }
        for (int i = 0; i < anchors.size(); i++) {
            store.setCertificateEntry("anchor-" + i, anchors.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager extended) {
                return new ValidatedChainTrust(extended);
            }
        }
        throw new GeneralSecurityException("the JDK offers no X509ExtendedTrustManager");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        if (alreadyValidated(chain)) {
            return;
        }
        pkix.checkServerTrusted(chain, authType, engine);
        remember(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        pkix.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
    }

    private boolean alreadyValidated(X509Certificate[] chain) throws CertificateException {
        byte[][] known = validated;
        if (known == null || known.length != chain.length) {
            return false;
        }
        for (int i = 0; i < chain.length; i++) {
            if (!Arrays.equals(known[i], chain[i].getEncoded())) {
                return false;
            }
        }
        for (X509Certificate certificate : chain) {
            certificate.checkValidity(); // an expired certificate fails as it would have the first time
        }
        return true;
    }

    private void remember(X509Certificate[] chain) throws CertificateException {
        byte[][] encoded = new byte[chain.length][];
        for (int i = 0; i < chain.length; i++) {
            encoded[i] = chain[i].getEncoded();
        }
        validated = encoded;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("the load harness is a client only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("the load harness is a client only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the load harness is a client only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
