package io.mtlsproxy.policy;

import static io.mtlsproxy.policy.TestPki.NOW;
import static io.mtlsproxy.policy.TestPki.identity;
import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.time.Duration;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;

class ExtendedKeyUsageCheckTest {
    private final IssuedCertificate root = TestPki.root("CN=Root");
    private final ExtendedKeyUsageCheck check = new ExtendedKeyUsageCheck();

    private CheckResult check(CertificateBuilder builder) {
        IssuedCertificate cert = builder.validity(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1))).signedBy(root);
        return check.check(identity(cert), TestPki.now());
    }

    @Test
    void passesClientAuth() {
        assertThat(check(CertificateBuilder.client("CN=dev")).passed()).isTrue();
    }

    @Test
    void passesAnyExtendedKeyUsage() {
        assertThat(check(CertificateBuilder.leaf("CN=dev").extendedKeyUsage(KeyPurposeId.anyExtendedKeyUsage)).passed())
                .isTrue();
    }

    @Test
    void refusesAServerCertificate() {
        CheckResult result = check(CertificateBuilder.server("CN=web"));

        assertThat(result.reason()).isEqualTo(RejectReason.WRONG_KEY_USAGE);
        assertThat(result.detail()).contains("1.3.6.1.5.5.7.3.1");
    }

    @Test
    void refusesACertificateWithoutExtendedKeyUsage() {
        CheckResult result = check(CertificateBuilder.leaf("CN=dev"));

        assertThat(result.reason()).isEqualTo(RejectReason.WRONG_KEY_USAGE);
        assertThat(result.detail()).contains("policy.requireClientAuthEku");
    }
}
