package io.mtlsproxy.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.config.CertificateTrackingConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The bounded record of client certificates seen lately: counts, soonest expiries, forgetting. Fake time. */
class ClientCertificateExpiryTest {
    private static final IssuedCertificate CA = CertificateBuilder.ca("CN=Expiry Test CA").selfSigned();
    private final Instant now = Instant.now();
    private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    private final AtomicLong nanos = new AtomicLong();

    private ClientCertificateExpiry tracker(int maxEntries, Duration seenWithin, int soonest) {
        return new ClientCertificateExpiry(new CertificateTrackingConfig(maxEntries, seenWithin, soonest), clock, nanos::get);
    }

    private ClientIdentity expiringIn(String cn, Duration left) throws Exception {
        IssuedCertificate device = CertificateBuilder.client("CN=" + cn)
                .validity(now.minus(Duration.ofDays(300)), now.plus(left)).signedBy(CA);
        return ClientIdentity.of(List.of(device.certificate(), CA.certificate()));
    }

    @Test
    void countsExpiringWithinSevenAndThirtyDays() throws Exception {
        ClientCertificateExpiry tracker = tracker(100, Duration.ofHours(24), 5);
        ClientIdentity fiveDays = expiringIn("five", Duration.ofDays(5));
        tracker.seen(fiveDays);
        tracker.seen(fiveDays); // the same certificate on another connection counts once
        tracker.seen(expiringIn("twenty", Duration.ofDays(20)));
        tracker.seen(expiringIn("year", Duration.ofDays(365)));

        ClientCertificateExpiry.Snapshot snapshot = tracker.snapshot();

        assertThat(snapshot.tracked()).isEqualTo(3);
        assertThat(snapshot.within7Days()).isEqualTo(1);
        assertThat(snapshot.within30Days()).isEqualTo(2);
        assertThat(snapshot.soonest()).extracting(ClientCertificateExpiry.Expiring::sha256).first().isEqualTo(fiveDays.sha256());
        assertThat(snapshot.soonestNotAfter()).isEqualTo((double) fiveDays.notAfter().getEpochSecond());
    }

    @Test
    void keepsOnlyTheSoonestNInOrder() throws Exception {
        ClientCertificateExpiry tracker = tracker(100, Duration.ofHours(24), 2);
        ClientIdentity ten = expiringIn("ten", Duration.ofDays(10));
        ClientIdentity three = expiringIn("three", Duration.ofDays(3));
        tracker.seen(ten);
        tracker.seen(expiringIn("forty", Duration.ofDays(40)));
        tracker.seen(three);

        assertThat(tracker.snapshot().soonest()).extracting(ClientCertificateExpiry.Expiring::sha256)
                .containsExactly(three.sha256(), ten.sha256());
    }

    @Test
    void aCertificateNotSeenWithinTheWindowIsForgotten() throws Exception {
        ClientCertificateExpiry tracker = tracker(100, Duration.ofHours(24), 5);
        ClientIdentity retired = expiringIn("retired", Duration.ofDays(5));
        ClientIdentity active = expiringIn("active", Duration.ofDays(6));
        tracker.seen(retired);
        tracker.seen(active);

        nanos.addAndGet(Duration.ofHours(20).toNanos());
        tracker.seen(active); // seen again: its window starts over
        nanos.addAndGet(Duration.ofHours(5).toNanos());

        ClientCertificateExpiry.Snapshot snapshot = tracker.snapshot();
        assertThat(snapshot.tracked()).isEqualTo(1);
        assertThat(snapshot.soonest()).extracting(ClientCertificateExpiry.Expiring::sha256).containsExactly(active.sha256());
    }

    @Test
    void theNumberRememberedIsBounded() throws Exception {
        ClientCertificateExpiry tracker = tracker(3, Duration.ofHours(24), 5);
        for (int i = 0; i < 10; i++) {
            tracker.seen(expiringIn("device-" + i, Duration.ofDays(100 + i)));
        }
        assertThat(tracker.snapshot().tracked()).isLessThanOrEqualTo(3);
    }

    @Test
    void expiredCertificatesAreNotCountedAsExpiringSoon() throws Exception {
        ClientCertificateExpiry tracker = tracker(100, Duration.ofHours(24), 5);
        tracker.seen(expiringIn("expired", Duration.ofDays(-1))); // audit mode lets such a device connect

        ClientCertificateExpiry.Snapshot snapshot = tracker.snapshot();
        assertThat(snapshot.tracked()).isEqualTo(1);
        assertThat(snapshot.within7Days()).isZero();
        assertThat(snapshot.within30Days()).isZero();
    }
}
