package io.mtlsproxy.server.tls;

import io.mtlsproxy.policy.Authentication;
import io.mtlsproxy.policy.ClientAuthenticator;
import io.mtlsproxy.policy.RejectReason;
import io.netty.handler.ssl.OpenSslCertificateException;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The trust manager BoringSSL calls back into during the handshake: it runs the client
 * certificate policy (through the authenticator's cache of validated chains), so a refused device
 * gets a precise TLS alert instead of an HTTP error after the handshake.
 */
final class PolicyTrustManager extends X509ExtendedTrustManager {
    private final ClientAuthenticator authenticator;
    private final X509Certificate[] acceptedIssuers;
    private final boolean openSsl;
    private final boolean audit;

    /**
     * @param audit audit mode: accept every certificate here; the identity handler evaluates the
     *     policy once after the handshake and logs what enforce mode would refuse
     */
    PolicyTrustManager(ClientAuthenticator authenticator, List<X509Certificate> acceptedIssuers, boolean openSsl,
            boolean audit) {
        this.authenticator = authenticator;
        this.acceptedIssuers = acceptedIssuers.toArray(X509Certificate[]::new);
        this.openSsl = openSsl;
        this.audit = audit;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (audit) {
            return;
        }
        Authentication result = authenticator.authenticate(chain == null ? List.of() : Arrays.asList(chain));
        if (result.allowed()) {
            return;
        }
        RejectReason reason = result.decision().rejection().orElse(RejectReason.BAD_CERTIFICATE);
        // "<code>: <check>: <detail>": the handshake log reads the code back as the failure's cause
        String message = result.decision().results().stream()
                .filter(check -> !check.passed())
                .findFirst()
                .map(check -> reason.code() + ": " + check.check() + ": " + check.detail())
                .orElse(reason.code() + ": refused");
        if (openSsl) {
            throw new OpenSslCertificateException(message, HandshakeAlerts.verifyError(reason));
        }
        throw new RejectedCertificateException(message, reason);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("a device listener does not verify servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("a device listener does not verify servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a device listener does not verify servers");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return acceptedIssuers.clone();
    }
}
