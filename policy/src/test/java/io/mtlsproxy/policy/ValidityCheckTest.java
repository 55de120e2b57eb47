package io.mtlsproxy.policy;

import static io.mtlsproxy.policy.TestPki.NOW;
import static io.mtlsproxy.policy.TestPki.identity;
import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ValidityCheckTest {
    private static final Duration SKEW = Duration.ofMinutes(5);
    private final IssuedCertificate root = TestPki.root("CN=Root");
    private final ValidityCheck check = new ValidityCheck();

    private ClientIdentity valid(Instant notBefore, Instant notAfter) {
        return identity(CertificateBuilder.client("CN=dev").validity(notBefore, notAfter).signedBy(root));
    }

    private CheckResult at(Instant now, ClientIdentity identity) {
        return check.check(identity, new CheckContext(now, SKEW));
    }

    @Test
    void passesInsideTheValidityPeriod() {
        assertThat(at(NOW, valid(NOW.minusSeconds(3600), NOW.plusSeconds(3600))).passed()).isTrue();
    }

    @Test
    void refusesAnExpiredCertificateAsExpired() {
        CheckResult result = at(NOW, valid(NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1))));

        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).isEqualTo(RejectReason.EXPIRED);
        assertThat(result.detail()).contains("expired at");
    }

    @Test
    void refusesAFutureCertificateAsNotYetValid() {
        CheckResult result = at(NOW, valid(NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(10))));

        assertThat(result.reason()).isEqualTo(RejectReason.NOT_YET_VALID);
    }

    @Test
    void allowExpiredPassesAnExpiredLeafAndSaysWhy() {
        ValidityCheck allowing = new ValidityCheck(true);
        ClientIdentity expired = valid(NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1)));

        CheckResult result = allowing.check(expired, new CheckContext(NOW, SKEW));

        assertThat(result.passed()).isTrue();
        assertThat(result.detail()).startsWith("passed only because policy.allowExpired is on: expired at ");
        assertThat(allowing.check(valid(NOW.minusSeconds(3600), NOW.plusSeconds(3600)), new CheckContext(NOW, SKEW)).detail())
                .isEqualTo("ok");
        assertThat(allowing.check(valid(NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(10))), new CheckContext(NOW, SKEW))
                .reason()).as("not yet valid is still refused").isEqualTo(RejectReason.NOT_YET_VALID);
    }

    @Test
    void toleratesTheClockSkewOnBothEnds() {
        ClientIdentity identity = valid(NOW, NOW.plusSeconds(3600));

        assertThat(at(NOW.minus(SKEW), identity).passed()).as("device clock ahead by the skew").isTrue();
        assertThat(at(NOW.plusSeconds(3600).plus(SKEW), identity).passed()).as("expired by exactly the skew").isTrue();
        assertThat(at(NOW.minus(SKEW).minusSeconds(1), identity).reason()).isEqualTo(RejectReason.NOT_YET_VALID);
        assertThat(at(NOW.plusSeconds(3600).plus(SKEW).plusSeconds(1), identity).reason()).isEqualTo(RejectReason.EXPIRED);
    }
}
