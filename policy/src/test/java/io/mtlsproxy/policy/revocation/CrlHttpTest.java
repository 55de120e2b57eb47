package io.mtlsproxy.policy.revocation;

import static io.mtlsproxy.policy.revocation.RevocationPki.NOW;
import static io.mtlsproxy.policy.revocation.RevocationPki.at;
import static io.mtlsproxy.policy.revocation.RevocationPki.client;
import static io.mtlsproxy.policy.revocation.RevocationPki.clientWithUrls;
import static io.mtlsproxy.policy.revocation.RevocationPki.crl;
import static io.mtlsproxy.policy.revocation.RevocationPki.identity;
import static io.mtlsproxy.policy.revocation.RevocationPki.intermediate;
import static io.mtlsproxy.policy.revocation.RevocationPki.root;
import static io.mtlsproxy.policy.revocation.RevocationPki.trust;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.RevocationConfig;
import io.mtlsproxy.core.config.RevocationConfig.FailMode;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import io.mtlsproxy.policy.TrustMaterial;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class CrlHttpTest {
    private final IssuedCertificate root = root("CN=Devices Root");
    private final IssuedCertificate revokedDevice = client("CN=kiosk-1", root);
    private final IssuedCertificate goodDevice = client("CN=kiosk-2", root);
    private final FakeClock clock = new FakeClock(NOW);
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final ExecutorService http = Executors.newCachedThreadPool();
    private final CrlServer server = new CrlServer();
    private final AtomicInteger events = new AtomicInteger();
    private Revocation revocation;

    @AfterEach
    void close() throws InterruptedException {
        if (revocation != null) {
            revocation.close();
        }
        server.close();
        http.shutdownNow();
        assertThat(http.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aCrlFromAUrlIsFetchedInTheBackgroundAndApplied() throws Exception {
        server.publish("/root.crl", crl(root).revoke(revokedDevice).der());
        CertificateCheck check = build(urlConfig(server.uri("/root.crl"), FailMode.FAIL_CLOSED), trust(root));
        revocation.start();

        CheckResult beforeLoad = check.check(identity(goodDevice), at(NOW));
        assertThat(beforeLoad.reason()).as("never loaded: unknown").isEqualTo(RejectReason.REVOCATION_UNKNOWN);
        assertThat(beforeLoad.detail()).contains("revocation.crlUrls[0] (" + server.uri("/root.crl") + ") (not tried yet)");
        assertThat(server.requests("/root.crl")).as("nothing fetched on the caller's thread").isZero();

        scheduler.runDue();

        assertThat(server.requests("/root.crl")).isEqualTo(1);
        assertThat(check.check(identity(revokedDevice), at(NOW)).reason()).isEqualTo(RejectReason.REVOKED);
        assertThat(check.check(identity(goodDevice), at(NOW)).passed()).isTrue();
        assertThat(events).as("first load announced").hasValue(1);
    }

    @Test
    void aUrlCrlIsRefreshedBeforeItsNextUpdate() throws Exception {
        server.publish("/root.crl", crl(root).nextUpdate(NOW.plus(Duration.ofHours(1))).pem().getBytes(StandardCharsets.US_ASCII));
        CertificateCheck check = build(new RevocationConfig(null, List.of(server.uri("/root.crl")), null, Duration.ofDays(1),
                FailMode.FAIL_CLOSED, null, null), trust(root));
        revocation.start();
        scheduler.runDue();
        assertThat(check.check(identity(goodDevice), at(NOW)).passed()).isTrue();

        server.publish("/root.crl", crl(root).thisUpdate(NOW.plus(Duration.ofMinutes(50)))
                .nextUpdate(NOW.plus(Duration.ofHours(2))).revoke(goodDevice).der());
        scheduler.advance(Duration.ofMinutes(55));

        assertThat(server.requests("/root.crl")).isEqualTo(2);
        assertThat(clock.instant()).isBefore(NOW.plus(Duration.ofHours(1)));
        assertThat(check.check(identity(goodDevice), at(clock.instant())).reason()).isEqualTo(RejectReason.REVOKED);
        assertThat(revocation.isRevoked(identity(goodDevice))).isTrue();
        assertThat(events).hasValue(2);
    }

    @Test
    void anUnreachableUrlUnderFailClosedRefusesAsRevocationUnknown() throws Exception {
        CertificateCheck check = build(urlConfig(unusedPortUri("/root.crl"), FailMode.FAIL_CLOSED), trust(root));
        revocation.start();
        scheduler.runDue();

        CheckResult result = check.check(identity(goodDevice), at(NOW));

        assertThat(result.reason()).isEqualTo(RejectReason.REVOCATION_UNKNOWN);
        assertThat(result.detail()).contains("some configured CRLs have never loaded").contains("cannot be fetched");
        assertThat(revocation.stats().crlUnavailableRefusals()).isEqualTo(1);
        assertThat(revocation.stats().crlLoadFailures()).isEqualTo(1);
    }

    @Test
    void anUnreachableUrlUnderFailOpenPassesAndCounts() throws Exception {
        CertificateCheck check = build(urlConfig(unusedPortUri("/root.crl"), FailMode.FAIL_OPEN), trust(root));
        revocation.start();
        scheduler.runDue();

        CheckResult result = check.check(identity(goodDevice), at(NOW));

        assertThat(result.passed()).isTrue();
        assertThat(result.detail()).contains("FAIL_OPEN");
        assertThat(revocation.stats().crlUnavailablePasses()).isEqualTo(1);
    }

    @Test
    void aUrlThatFailsLaterKeepsItsLastGoodCrlUntilItTurnsStale() throws Exception {
        server.publish("/root.crl", crl(root).nextUpdate(NOW.plus(Duration.ofHours(1))).revoke(revokedDevice).der());
        CertificateCheck check = build(urlConfig(server.uri("/root.crl"), FailMode.FAIL_CLOSED), trust(root));
        revocation.start();
        scheduler.runDue();

        server.publish("/root.crl", "<html>maintenance</html>".getBytes(StandardCharsets.US_ASCII));
        scheduler.advance(Duration.ofMinutes(30));
        assertThat(check.check(identity(goodDevice), at(clock.instant())).passed()).isTrue();
        assertThat(check.check(identity(revokedDevice), at(clock.instant())).reason()).isEqualTo(RejectReason.REVOKED);

        scheduler.advance(Duration.ofMinutes(40));
        CheckResult stale = check.check(identity(goodDevice), at(clock.instant()));
        assertThat(stale.reason()).isEqualTo(RejectReason.REVOCATION_UNKNOWN);
        assertThat(stale.detail()).contains("is stale").contains("last refresh failed: not a CRL in PEM or DER");
    }

    @Test
    void aDistributionPointIsFetchedInTheBackgroundOnFirstSight() throws Exception {
        IssuedCertificate issuing = intermediate("CN=Devices Issuing CA", root);
        URI point = server.uri("/issuing.crl");
        IssuedCertificate revoked = clientWithUrls("CN=kiosk-7", issuing, point, null, NOW);
        IssuedCertificate good = clientWithUrls("CN=kiosk-8", issuing, point, null, NOW);
        server.publish("/issuing.crl", crl(issuing).revoke(revoked).der());
        // the intermediate is only in the presented chain: it vouches for the CRL because the root signed it
        CertificateCheck check = build(cdpConfig(FailMode.FAIL_CLOSED), trust(root));
        revocation.start();

        CheckResult first = check.check(identity(good), at(NOW));

        assertThat(first.reason()).isEqualTo(RejectReason.REVOCATION_UNKNOWN);
        assertThat(first.detail()).contains("at distribution point " + point + " is being fetched");
        assertThat(server.requests("/issuing.crl")).as("never fetched on the caller's thread").isZero();
        assertThat(scheduler.pending()).isEqualTo(1);

        scheduler.runDue();

        assertThat(server.requests("/issuing.crl")).isEqualTo(1);
        assertThat(check.check(identity(good), at(NOW)).passed()).isTrue();
        assertThat(check.check(identity(revoked), at(NOW)).reason()).isEqualTo(RejectReason.REVOKED);
        assertThat(server.requests("/issuing.crl")).as("one fetch per distribution point").isEqualTo(1);
    }

    @Test
    void aDistributionPointOfACertificateNoConfiguredCaSignedIsNotFollowed() throws Exception {
        IssuedCertificate stranger = root("CN=Devices Root"); // same name, another key
        IssuedCertificate forged = clientWithUrls("CN=kiosk-7", stranger, server.uri("/internal"), null, NOW);
        CertificateCheck check = build(cdpConfig(FailMode.FAIL_CLOSED), trust(root));
        revocation.start();

        CheckResult result = check.check(identity(forged), at(NOW));
        scheduler.runDue();

        assertThat(result.reason()).isEqualTo(RejectReason.REVOCATION_UNKNOWN);
        assertThat(result.detail()).contains("not followed");
        assertThat(server.requests("/internal")).isZero();
    }

    @Test
    void anUnreachableDistributionPointUnderFailOpenPasses() throws Exception {
        IssuedCertificate device = clientWithUrls("CN=kiosk-7", root, unusedPortUri("/root.crl"), null, NOW);
        CertificateCheck check = build(cdpConfig(FailMode.FAIL_OPEN), trust(root));
        revocation.start();
        check.check(identity(device), at(NOW));
        scheduler.runDue();

        CheckResult result = check.check(identity(device), at(NOW));

        assertThat(result.passed()).isTrue();
        assertThat(result.detail()).contains("could not be loaded: cannot be fetched");
        assertThat(revocation.stats().crlUnavailablePasses()).isEqualTo(2);
    }

    @Test
    void aCertificateWithoutDistributionPointIsNotCheckedWhenOnlyDistributionPointsAreOn() throws Exception {
        CertificateCheck check = build(cdpConfig(FailMode.FAIL_CLOSED), trust(root));

        assertThat(check.check(identity(goodDevice), at(NOW)).passed()).isTrue();
    }

    @Test
    void closingStopsTheRefreshes() throws Exception {
        server.publish("/root.crl", crl(root).der());
        build(urlConfig(server.uri("/root.crl"), FailMode.FAIL_CLOSED), trust(root));
        revocation.start();
        scheduler.runDue();

        revocation.close();
        scheduler.advance(Duration.ofHours(1));

        assertThat(server.requests("/root.crl")).isEqualTo(1);
    }

    @Test
    void aUrlThatIsNotHttpIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> build(urlConfig(URI.create("ldap://ldap.example/cn=crl"), FailMode.FAIL_CLOSED), trust(root)))
                .isInstanceOf(ConfigException.class)
                .hasMessage("revocation.crlUrls[0]: 'ldap://ldap.example/cn=crl' is not an http:// or https:// URL");
    }

    private CertificateCheck build(RevocationConfig config, TrustMaterial trust) throws ConfigException {
        revocation = Revocation.fromConfig(config, trust, clock, scheduler, http);
        revocation.addListener(events::incrementAndGet);
        return revocation.handshakeCheck();
    }

    private static RevocationConfig urlConfig(URI uri, FailMode mode) {
        return new RevocationConfig(null, List.of(uri), null, Duration.ofMinutes(5), mode, null, null);
    }

    private static RevocationConfig cdpConfig(FailMode mode) {
        return new RevocationConfig(null, null, true, Duration.ofMinutes(5), mode, null, null);
    }

    /** A port nothing listens on: bound, then released. */
    static URI unusedPortUri(String path) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
        }
    }
}
