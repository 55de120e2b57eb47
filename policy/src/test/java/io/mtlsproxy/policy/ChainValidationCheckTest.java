package io.mtlsproxy.policy;

import static io.mtlsproxy.policy.TestPki.NOW;
import static io.mtlsproxy.policy.TestPki.client;
import static io.mtlsproxy.policy.TestPki.identity;
import static io.mtlsproxy.policy.TestPki.intermediate;
import static io.mtlsproxy.policy.TestPki.root;
import static io.mtlsproxy.policy.TestPki.trust;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChainValidationCheckTest {
    private final IssuedCertificate root = root("CN=Devices Root,O=Contoso");
    private final ChainValidationCheck check = new ChainValidationCheck(trust(root));

    private CheckResult validate(ChainValidationCheck chainCheck, List<X509Certificate> presented) {
        return chainCheck.check(identity(presented), TestPki.now());
    }

    @Test
    void passesAClientIssuedByTheRoot() {
        IssuedCertificate device = client("CN=kiosk-1").signedBy(root);

        assertThat(validate(check, device.presentedChain())).isEqualTo(CheckResult.pass(ChainValidationCheck.NAME));
    }

    @Test
    void passesAClientIssuedByAnIntermediateItPresents() {
        IssuedCertificate issuing = intermediate("CN=Issuing CA 1", root);
        IssuedCertificate device = client("CN=kiosk-1").signedBy(issuing);

        assertThat(device.presentedChain()).hasSize(2);
        assertThat(validate(check, device.presentedChain()).passed()).isTrue();
    }

    @Test
    void passesAClientThatSendsOnlyItsLeafWhenTheIntermediateIsConfigured() {
        IssuedCertificate issuing = intermediate("CN=Issuing CA 1", root);
        IssuedCertificate device = client("CN=kiosk-1").signedBy(issuing);
        List<X509Certificate> leafOnly = List.of(device.certificate());

        ChainValidationCheck withBundle = new ChainValidationCheck(
                TrustMaterial.of(List.of(root.certificate()), List.of(issuing.certificate())));

        assertThat(validate(withBundle, leafOnly).passed()).isTrue();
        assertThat(validate(check, leafOnly).reason()).as("without the bundle").isEqualTo(RejectReason.UNKNOWN_CA);
    }

    @Test
    void refusesAnUntrustedCaWithTheSameNameAsTheTrustedRoot() {
        IssuedCertificate impostor = root("CN=Devices Root,O=Contoso");
        IssuedCertificate device = client("CN=kiosk-1").signedBy(impostor);

        CheckResult leafOnly = validate(check, device.presentedChain());
        CheckResult withImpostorRoot = validate(check, device.chain());

        assertThat(leafOnly.reason()).isEqualTo(RejectReason.UNKNOWN_CA);
        assertThat(leafOnly.detail()).contains("no path from 'CN=kiosk-1'");
        assertThat(withImpostorRoot.reason()).as("impostor root sent along").isEqualTo(RejectReason.UNKNOWN_CA);
    }

    @Test
    void refusesAnExpiredIntermediateAsExpiredNotAsUnknownCa() {
        IssuedCertificate issuing = CertificateBuilder.ca("CN=Issuing CA 1")
                .validity(NOW.minus(Duration.ofDays(400)), NOW.minus(Duration.ofDays(2))).signedBy(root);
        IssuedCertificate device = client("CN=kiosk-1")
                .validity(NOW.minus(Duration.ofDays(10)), NOW.plus(Duration.ofDays(10))).signedBy(issuing);

        CheckResult result = validate(check, device.presentedChain());

        assertThat(result.reason()).isEqualTo(RejectReason.EXPIRED);
        assertThat(result.detail()).contains("CN=Issuing CA 1");
    }

    @Test
    void allowExpiredPassesAnExpiredIntermediateAndSaysWhy() {
        IssuedCertificate issuing = CertificateBuilder.ca("CN=Issuing CA 1")
                .validity(NOW.minus(Duration.ofDays(400)), NOW.minus(Duration.ofDays(2))).signedBy(root);
        IssuedCertificate device = client("CN=kiosk-1")
                .validity(NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(3))).signedBy(issuing);

        CheckResult result = validate(new ChainValidationCheck(trust(root), true), device.presentedChain());

        assertThat(result.passed()).isTrue();
        assertThat(result.detail()).startsWith("passed only because policy.allowExpired is on: 'CN=Issuing CA 1' in the chain expired at");
        assertThat(validate(check, device.presentedChain()).reason()).as("off by default").isEqualTo(RejectReason.EXPIRED);
    }

    @Test
    void allowExpiredStillValidatesSignatures() {
        IssuedCertificate stranger = root("CN=Devices Root,O=Contoso");
        IssuedCertificate issuing = CertificateBuilder.ca("CN=Issuing CA 1")
                .validity(NOW.minus(Duration.ofDays(400)), NOW.minus(Duration.ofDays(2))).signedBy(stranger);
        IssuedCertificate device = client("CN=kiosk-1")
                .validity(NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(3))).signedBy(issuing);

        assertThat(validate(new ChainValidationCheck(trust(root), true), device.presentedChain()).reason())
                .isEqualTo(RejectReason.UNKNOWN_CA);
    }

    @Test
    void refusesANotYetValidIntermediateAsSuch() {
        IssuedCertificate issuing = CertificateBuilder.ca("CN=Issuing CA 2")
                .validity(NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(400))).signedBy(root);
        IssuedCertificate device = client("CN=kiosk-1").signedBy(issuing);

        assertThat(validate(check, device.presentedChain()).reason()).isEqualTo(RejectReason.NOT_YET_VALID);
    }

    @Test
    void leavesTheLeafsOwnValidityToTheValidityCheck() {
        IssuedCertificate expired = client("CN=old")
                .validity(NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1))).signedBy(root);
        IssuedCertificate future = client("CN=new")
                .validity(NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(10))).signedBy(root);

        assertThat(validate(check, expired.presentedChain()).passed()).isTrue();
        assertThat(validate(check, future.presentedChain()).passed()).isTrue();
    }

    @Test
    void refusesAnExpiredLeafOfAnUntrustedCaAsUnknownCa() {
        IssuedCertificate device = client("CN=old")
                .validity(NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1))).signedBy(root("CN=Stranger"));

        assertThat(validate(check, device.presentedChain()).reason()).isEqualTo(RejectReason.UNKNOWN_CA);
    }

    @Test
    void passesAnIntermediateThatExpiredWithinTheClockSkew() {
        IssuedCertificate issuing = CertificateBuilder.ca("CN=Issuing CA 1")
                .validity(NOW.minus(Duration.ofDays(400)), NOW.minusSeconds(30)).signedBy(root);
        IssuedCertificate device = client("CN=kiosk-1").signedBy(issuing);

        assertThat(validate(check, device.presentedChain()).passed()).isTrue();
    }

    @Test
    void refusesAChainThroughAnIssuerThatIsNotACaAsBadCertificate() {
        IssuedCertificate notACa = client("CN=another device").signedBy(root);
        IssuedCertificate device = client("CN=kiosk-1").signedBy(notACa);

        CheckResult result = validate(check, device.presentedChain());

        assertThat(result.reason()).isEqualTo(RejectReason.BAD_CERTIFICATE);
        assertThat(result.detail()).contains("PKIX");
    }

    @Test
    void prefersTheValidOneOfTwoIntermediatesWithTheSameNameAndKey() {
        IssuedCertificate current = intermediate("CN=Issuing CA 1", root);
        IssuedCertificate lapsed = CertificateBuilder.ca("CN=Issuing CA 1").keyPair(current.keyPair())
                .validity(NOW.minus(Duration.ofDays(800)), NOW.minus(Duration.ofDays(400))).signedBy(root);
        IssuedCertificate device = client("CN=kiosk-1").signedBy(current);

        List<X509Certificate> presented = List.of(device.certificate(), lapsed.certificate(), current.certificate());

        assertThat(validate(check, presented).passed()).isTrue();
    }

    @Test
    void needsATrustAnchor() {
        assertThatThrownBy(() -> new ChainValidationCheck(TrustMaterial.of(List.of(), List.of())))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
