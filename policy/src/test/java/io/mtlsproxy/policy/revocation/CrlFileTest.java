package io.mtlsproxy.policy.revocation;

import static io.mtlsproxy.policy.revocation.RevocationPki.NOW;
import static io.mtlsproxy.policy.revocation.RevocationPki.at;
import static io.mtlsproxy.policy.revocation.RevocationPki.client;
import static io.mtlsproxy.policy.revocation.RevocationPki.crl;
import static io.mtlsproxy.policy.revocation.RevocationPki.identity;
import static io.mtlsproxy.policy.revocation.RevocationPki.intermediate;
import static io.mtlsproxy.policy.revocation.RevocationPki.root;
import static io.mtlsproxy.policy.revocation.RevocationPki.trust;
import static io.mtlsproxy.policy.revocation.RevocationPki.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.RevocationConfig;
import io.mtlsproxy.core.config.RevocationConfig.FailMode;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.pki.KeyPairs;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import io.mtlsproxy.policy.TrustMaterial;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x509.CRLReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class CrlFileTest {
    private final IssuedCertificate root = root("CN=Devices Root");
    private final IssuedCertificate revokedDevice = client("CN=kiosk-1", root);
    private final IssuedCertificate goodDevice = client("CN=kiosk-2", root);
    private final FakeClock clock = new FakeClock(NOW);
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final AtomicInteger events = new AtomicInteger();
    private Revocation revocation;

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        if (revocation != null) {
            revocation.close();
        }
    }

    @Test
    void aRevokedLeafIsRefusedWithTheCrlDateAndReason() throws Exception {
        Instant revokedAt = NOW.minus(Duration.ofDays(2));
        Path file = crlFile(crl(root).revoke(revokedDevice, revokedAt, CRLReason.keyCompromise).pem());
        CertificateCheck check = start(config(file, FailMode.FAIL_CLOSED), trust(root));

        CheckResult result = check.check(identity(revokedDevice), at(NOW));

        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).isEqualTo(RejectReason.REVOKED);
        assertThat(result.detail())
                .contains("'CN=kiosk-1' (serial " + identity(revokedDevice).serial() + ") revoked at " + revokedAt)
                .contains("reason key_compromise (1)")
                .contains("CRL of 'CN=Devices Root' from revocation.crlFiles[0] (" + file + ")");
    }

    @Test
    void aLeafTheCrlDoesNotListPasses() throws Exception {
        CertificateCheck check = start(config(crlFile(crl(root).revoke(revokedDevice).pem()), FailMode.FAIL_CLOSED), trust(root));

        assertThat(check.check(identity(goodDevice), at(NOW)).passed()).isTrue();
    }

    @Test
    void aDerCrlIsReadLikeAPemOne() throws Exception {
        Path file = dir.resolve("devices.crl");
        write(file, crl(root).revoke(revokedDevice).der());
        CertificateCheck check = start(config(file, FailMode.FAIL_CLOSED), trust(root));

        assertThat(check.check(identity(revokedDevice), at(NOW)).reason()).isEqualTo(RejectReason.REVOKED);
        assertThat(check.check(identity(goodDevice), at(NOW)).passed()).isTrue();
    }

    @Test
    void aRevokedIntermediateRefusesEveryLeafUnderIt() throws Exception {
        IssuedCertificate issuing = intermediate("CN=Devices Issuing CA", root);
        IssuedCertificate leaf = client("CN=kiosk-9", issuing);
        Path rootCrl = crlFile(crl(root).revoke(issuing, NOW.minus(Duration.ofDays(1)), CRLReason.cACompromise).pem());
        Path issuingCrl = dir.resolve("issuing.crl");
        write(issuingCrl, crl(issuing).pem());
        CertificateCheck check = start(new RevocationConfig(List.of(rootCrl, issuingCrl), null, null, null, null, null, null),
                TrustMaterial.of(List.of(root.certificate()), List.of(issuing.certificate())));

        CheckResult result = check.check(identity(leaf), at(NOW));

        assertThat(result.reason()).isEqualTo(RejectReason.REVOKED);
        assertThat(result.detail()).startsWith("'CN=Devices Issuing CA' (serial ").contains("reason ca_compromise (2)");
    }

    @Test
    void aLeafOfAGoodIntermediatePassesWhenBothCrlsAreFresh() throws Exception {
        IssuedCertificate issuing = intermediate("CN=Devices Issuing CA", root);
        IssuedCertificate leaf = client("CN=kiosk-9", issuing);
        Path rootCrl = crlFile(crl(root).pem());
        Path issuingCrl = dir.resolve("issuing.crl");
        write(issuingCrl, crl(issuing).revoke(revokedDevice).pem());
        CertificateCheck check = start(new RevocationConfig(List.of(rootCrl, issuingCrl), null, null, null, null, null, null),
                TrustMaterial.of(List.of(root.certificate()), List.of(issuing.certificate())));

        assertThat(check.check(identity(leaf), at(NOW)).passed()).isTrue();
    }

    @Test
    void aCrlWithABadSignatureIsRefusedAtStartNamingTheSetting() {
        Path file = crlFile(crl(root).revoke(revokedDevice).signedWith(KeyPairs.ecP256()).pem());

        assertThatThrownBy(() -> start(config(file, FailMode.FAIL_CLOSED), trust(root)))
                .isInstanceOf(ConfigException.class)
                .hasMessage("revocation.crlFiles[0]: " + file + ": CRL of 'CN=Devices Root': "
                        + "signature does not verify with the key of 'CN=Devices Root'");
    }

    @Test
    void aCrlWithABadSignatureOnRefreshIsRefusedAndTheLastGoodKept() throws Exception {
        Path file = crlFile(crl(root).revoke(revokedDevice).pem());
        CertificateCheck check = start(config(file, FailMode.FAIL_CLOSED), trust(root));

        // a forged CRL that would un-revoke kiosk-1 and revoke kiosk-2
        write(file, crl(root).thisUpdate(NOW.plusSeconds(60)).revoke(goodDevice).signedWith(KeyPairs.ecP256()).pem());
        scheduler.advance(Duration.ofMinutes(5));

        assertThat(check.check(identity(revokedDevice), at(clock.instant())).reason()).isEqualTo(RejectReason.REVOKED);
        assertThat(check.check(identity(goodDevice), at(clock.instant())).passed()).isTrue();
        assertThat(revocation.stats().crlLoadFailures()).isEqualTo(1);
        assertThat(revocation.crlSources().get(0).lastError()).contains("signature does not verify");
        assertThat(events).hasValue(0);
    }

    @Test
    void aCrlSignedByACaWithoutCrlSignIsRefused() {
        IssuedCertificate noCrlSign = RevocationPki.caWithoutCrlSign("CN=No CRL Sign");
        Path file = crlFile(crl(noCrlSign).pem());

        assertThatThrownBy(() -> start(config(file, FailMode.FAIL_CLOSED), trust(noCrlSign)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("revocation.crlFiles[0]")
                .hasMessageContaining("'CN=No CRL Sign' may not sign CRLs (its key usage lacks cRLSign)");
    }

    @Test
    void aCrlOfAnUnconfiguredCaIsRefused() {
        IssuedCertificate stranger = root("CN=Stranger");
        Path file = crlFile(crl(stranger).pem());

        assertThatThrownBy(() -> start(config(file, FailMode.FAIL_CLOSED), trust(root)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("CRL issuer 'CN=Stranger' is not a configured CA (add it to tls.trustAnchors or tls.intermediates)");
    }

    @Test
    void notACrlAtAllIsRefusedAtStart() {
        Path file = crlFile("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");

        assertThatThrownBy(() -> start(config(file, FailMode.FAIL_CLOSED), trust(root)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("revocation.crlFiles[0]: " + file + ": not a CRL in PEM or DER");
    }

    @Test
    void anOlderCrlDoesNotReplaceANewerOne() throws Exception {
        Path file = crlFile(crl(root).number(7).revoke(revokedDevice).pem());
        CertificateCheck check = start(config(file, FailMode.FAIL_CLOSED), trust(root));

        // a replayed CRL from before kiosk-1 was revoked
        write(file, crl(root).number(6).thisUpdate(NOW.minus(Duration.ofDays(1))).pem());
        scheduler.advance(Duration.ofMinutes(5));

        assertThat(check.check(identity(revokedDevice), at(clock.instant())).reason()).isEqualTo(RejectReason.REVOKED);
        assertThat(revocation.crlSources().get(0).lastError()).contains("is older than the one in use");
    }

    @Test
    void aStaleCrlUnderFailClosedRefusesAsRevocationUnknown() throws Exception {
        Path file = crlFile(crl(root).nextUpdate(NOW.plus(Duration.ofHours(1))).revoke(revokedDevice).pem());
        CertificateCheck check = start(config(file, FailMode.FAIL_CLOSED), trust(root));

        scheduler.advance(Duration.ofMinutes(64));
        assertThat(check.check(identity(goodDevice), at(clock.instant())).passed()).as("within the grace").isTrue();
        scheduler.advance(Duration.ofMinutes(2));
        CheckResult result = check.check(identity(goodDevice), at(clock.instant()));

        assertThat(result.reason()).isEqualTo(RejectReason.REVOCATION_UNKNOWN);
        assertThat(result.detail()).contains("CRL of 'CN=Devices Root' from revocation.crlFiles[0]").contains("is stale");
        assertThat(check.check(identity(revokedDevice), at(clock.instant())).reason())
                .as("a revocation stands in a stale CRL").isEqualTo(RejectReason.REVOKED);
        assertThat(revocation.stats().crlUnavailableRefusals()).isEqualTo(1);
        assertThat(events).as("turning stale is announced: cached successes must go").hasValue(1);
    }

    @Test
    void aStaleCrlUnderFailOpenPassesCountsAndWarnsOnce() throws Exception {
        ListAppender<ILoggingEvent> logs = capture(RevocationCheck.class);
        Path file = crlFile(crl(root).nextUpdate(NOW.plus(Duration.ofHours(1))).revoke(revokedDevice).pem());
        CertificateCheck check = start(config(file, FailMode.FAIL_OPEN), trust(root));
        scheduler.advance(Duration.ofHours(2));

        CheckResult first = check.check(identity(goodDevice), at(clock.instant()));
        CheckResult second = check.check(identity(client("CN=kiosk-3", root)), at(clock.instant()));

        assertThat(first.passed()).isTrue();
        assertThat(first.detail()).startsWith("CRL status unknown, passed by whenCrlUnavailable: FAIL_OPEN: ").contains("is stale");
        assertThat(second.passed()).isTrue();
        assertThat(revocation.stats().crlUnavailablePasses()).isEqualTo(2);
        assertThat(logs.list).filteredOn(event -> event.getLevel() == Level.WARN).hasSize(1);
        assertThat(check.check(identity(revokedDevice), at(clock.instant())).reason()).isEqualTo(RejectReason.REVOKED);
    }

    @Test
    void aCertificateOfAnIssuerWithoutACrlIsNotChecked() throws Exception {
        IssuedCertificate otherRoot = root("CN=Other Root");
        CertificateCheck check = start(config(crlFile(crl(root).pem()), FailMode.FAIL_CLOSED), trust(root, otherRoot));

        assertThat(check.check(identity(client("CN=elsewhere", otherRoot)), at(NOW)).passed()).isTrue();
    }

    @Test
    void aCrlUpdateThatRevokesALiveIdentityTellsListenersAndFlipsIsRevoked() throws Exception {
        Path file = crlFile(crl(root).pem());
        start(config(file, FailMode.FAIL_CLOSED), trust(root));
        ClientIdentity live = identity(goodDevice);
        assertThat(revocation.isRevoked(live)).isFalse();

        write(file, crl(root).thisUpdate(NOW.plus(Duration.ofMinutes(1))).revoke(goodDevice).pem());
        scheduler.advance(Duration.ofMinutes(4));
        assertThat(events).as("not before the refresh interval").hasValue(0);
        scheduler.advance(Duration.ofMinutes(1));

        assertThat(events).hasValue(1);
        assertThat(revocation.isRevoked(live)).isTrue();
        assertThat(revocation.isRevoked(identity(revokedDevice))).isFalse();
    }

    @Test
    void aNewCrlThatChangesNoVerdictFiresNoEvent() throws Exception {
        Path file = crlFile(crl(root).revoke(revokedDevice).pem());
        start(config(file, FailMode.FAIL_CLOSED), trust(root));

        write(file, crl(root).thisUpdate(NOW.plus(Duration.ofMinutes(1))).revoke(revokedDevice).pem());
        scheduler.advance(Duration.ofMinutes(5));

        assertThat(revocation.stats().crlLoads()).isEqualTo(2);
        assertThat(events).hasValue(0);
    }

    @Test
    void aCrlIsReReadAheadOfItsNextUpdateEvenWithALongRefreshInterval() throws Exception {
        Path file = crlFile(crl(root).nextUpdate(NOW.plus(Duration.ofHours(10))).pem());
        start(new RevocationConfig(List.of(file), null, null, Duration.ofDays(7), FailMode.FAIL_CLOSED, null, null), trust(root));

        write(file, crl(root).thisUpdate(NOW.plus(Duration.ofHours(9))).nextUpdate(NOW.plus(Duration.ofHours(20)))
                .revoke(goodDevice).pem());
        // a tenth of the validity (1 h) ahead of nextUpdate
        scheduler.advance(Duration.ofHours(9).plusMinutes(1));

        assertThat(clock.instant()).isBefore(NOW.plus(Duration.ofHours(10)));
        assertThat(revocation.isRevoked(identity(goodDevice))).isTrue();
    }

    private CertificateCheck start(RevocationConfig config, TrustMaterial trust) throws ConfigException {
        revocation = Revocation.fromConfig(config, trust, clock, scheduler, Runnable::run);
        revocation.addListener(events::incrementAndGet);
        revocation.start();
        scheduler.runDue();
        return revocation.handshakeCheck();
    }

    private Path crlFile(String pem) {
        Path file = dir.resolve("devices.crl");
        write(file, pem);
        return file;
    }

    private static RevocationConfig config(Path file, FailMode mode) {
        return new RevocationConfig(List.of(file), null, null, Duration.ofMinutes(5), mode, null, null);
    }

    static ListAppender<ILoggingEvent> capture(Class<?> type) {
        Logger logger = (Logger) LoggerFactory.getLogger(type);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        return appender;
    }
}
