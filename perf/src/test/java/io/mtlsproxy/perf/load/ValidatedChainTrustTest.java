package io.mtlsproxy.perf.load;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

class ValidatedChainTrustTest {
    private final IssuedCertificate root = CertificateBuilder.ca("CN=Load Root").selfSigned();
    private final IssuedCertificate server = CertificateBuilder.server("CN=localhost").ip("127.0.0.1").signedBy(root);
    private final IssuedCertificate otherRoot = CertificateBuilder.ca("CN=Load Root").selfSigned();
    private final IssuedCertificate impostor = CertificateBuilder.server("CN=localhost").ip("127.0.0.1").signedBy(otherRoot);

    private static X509Certificate[] chain(IssuedCertificate issued) {
        return issued.presentedChain().toArray(X509Certificate[]::new);
    }

    @Test
    void validatedChainIsAcceptedAgainAndAnotherIsStillValidated() throws Exception {
        ValidatedChainTrust trust = ValidatedChainTrust.anchoredAt(List.of(root.certificate()));
        SSLEngine noEngine = null; // no engine: PKIX without the host name check
        trust.checkServerTrusted(chain(server), "ECDHE_ECDSA", noEngine);
        assertThatCode(() -> trust.checkServerTrusted(chain(server), "ECDHE_ECDSA", noEngine)).doesNotThrowAnyException();
        // same names, another key and issuer: the remembered chain does not vouch for it
        assertThatThrownBy(() -> trust.checkServerTrusted(chain(impostor), "ECDHE_ECDSA", noEngine))
                .isInstanceOf(CertificateException.class);
    }

    @Test
    void untrustedChainIsRefusedTheFirstTime() throws Exception {
        ValidatedChainTrust trust = ValidatedChainTrust.anchoredAt(List.of(root.certificate()));
        assertThatThrownBy(() -> trust.checkServerTrusted(chain(impostor), "ECDHE_ECDSA", (SSLEngine) null))
                .isInstanceOf(CertificateException.class);
    }
}
