package io.mtlsproxy.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChainKeyTest {
    private static IssuedCertificate issuing;
    private static IssuedCertificate deviceA;
    private static IssuedCertificate deviceB;

    @BeforeAll
    static void issue() {
        IssuedCertificate root = CertificateBuilder.ca("CN=Root").selfSigned();
        issuing = CertificateBuilder.ca("CN=Issuing").signedBy(root);
        deviceA = CertificateBuilder.client("CN=device-a").signedBy(issuing);
        deviceB = CertificateBuilder.client("CN=device-b").signedBy(issuing);
    }

    @Test
    void equalChainsHaveEqualKeys() throws Exception {
        // the same certificates, parsed again into new objects
        List<X509Certificate> reparsed = List.of(reparse(deviceA.certificate()), reparse(issuing.certificate()));

        ChainKey key = ChainKey.of(deviceA.presentedChain());

        assertThat(ChainKey.of(reparsed)).isEqualTo(key).hasSameHashCodeAs(key);
    }

    @Test
    void orderMatters() {
        ChainKey leafFirst = ChainKey.of(List.of(deviceA.certificate(), issuing.certificate()));
        ChainKey issuerFirst = ChainKey.of(List.of(issuing.certificate(), deviceA.certificate()));

        assertThat(leafFirst).isNotEqualTo(issuerFirst);
    }

    @Test
    void anotherCertificateGivesAnotherKey() {
        assertThat(ChainKey.of(deviceA.presentedChain())).isNotEqualTo(ChainKey.of(deviceB.presentedChain()));
        assertThat(ChainKey.of(List.of(deviceA.certificate())))
                .isNotEqualTo(ChainKey.of(deviceA.presentedChain()));
    }

    @Test
    void hexIsTheWholeSha256() {
        ChainKey key = ChainKey.of(deviceA.presentedChain());

        assertThat(key.hex()).matches("[0-9a-f]{64}");
        assertThat(key).hasToString(key.hex());
    }

    private static X509Certificate reparse(X509Certificate cert) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(cert.getEncoded()));
    }
}
