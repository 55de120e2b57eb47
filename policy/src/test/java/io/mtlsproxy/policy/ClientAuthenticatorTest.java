package io.mtlsproxy.policy;

import static io.mtlsproxy.policy.TestPki.NOW;
import static io.mtlsproxy.policy.TestPki.client;
import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.config.PolicyConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAuthenticatorTest {
    private static final Duration TTL = Duration.ofHours(1);

    private final FakeTime time = new FakeTime(NOW);
    private final IssuedCertificate root = TestPki.root("CN=Root");
    private final CountingCheck counting = new CountingCheck();

    /** Validity plus a check that counts how often the policy really ran. */
    private ClientAuthenticator authenticator() {
        ClientCertificatePolicy policy = new ClientCertificatePolicy(
                List.of(new ValidityCheck(), counting), TestPki.SKEW, time);
        PolicyConfig config = new PolicyConfig(null, null, TestPki.SKEW, null, null, 100, TTL, null, null, null, null, null);
        return new ClientAuthenticator(policy, config, time, time);
    }

    @Test
    void reusesASuccessForTheSameChain() {
        ClientAuthenticator authenticator = authenticator();
        List<X509Certificate> chain = client("CN=dev").signedBy(root).presentedChain();

        Authentication first = authenticator.authenticate(chain);
        Authentication second = authenticator.authenticate(new ArrayList<>(chain));

        assertThat(first.allowed()).isTrue();
        assertThat(first.fromCache()).isFalse();
        assertThat(second.allowed()).isTrue();
        assertThat(second.fromCache()).isTrue();
        assertThat(second.identity()).as("no identity is built on a hit").isSameAs(first.identity());
        assertThat(counting.calls).isEqualTo(1);
        assertThat(authenticator.stats().hitCount()).isEqualTo(1);
        assertThat(authenticator.stats().missCount()).isEqualTo(1);
    }

    @Test
    void neverCachesAFailure() {
        ClientAuthenticator authenticator = authenticator();
        counting.passes = false;
        List<X509Certificate> chain = client("CN=dev").signedBy(root).presentedChain();

        Authentication first = authenticator.authenticate(chain);
        Authentication second = authenticator.authenticate(chain);

        assertThat(first.allowed()).isFalse();
        assertThat(second.fromCache()).isFalse();
        assertThat(second.decision().rejection()).contains(RejectReason.NOT_ALLOWLISTED);
        assertThat(counting.calls).isEqualTo(2);

        counting.passes = true;
        assertThat(authenticator.authenticate(chain).allowed()).as("a fixed device gets in at once").isTrue();
    }

    @Test
    void forgetsASuccessWhenTheLeafExpiresEvenIfTheTtlIsLonger() {
        ClientAuthenticator authenticator = authenticator();
        List<X509Certificate> chain = CertificateBuilder.client("CN=dev")
                .validity(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofMinutes(10))).signedBy(root).presentedChain();

        authenticator.authenticate(chain);
        time.advance(Duration.ofMinutes(9));
        assertThat(authenticator.authenticate(chain).fromCache()).isTrue();

        time.advance(Duration.ofMinutes(1).plusSeconds(1));
        Authentication afterNotAfter = authenticator.authenticate(chain);

        assertThat(afterNotAfter.fromCache()).isFalse();
        assertThat(afterNotAfter.allowed()).as("still within the clock skew").isTrue();
        assertThat(counting.calls).isEqualTo(2);
    }

    @Test
    void forgetsASuccessWhenAPresentedIntermediateExpiresFirst() {
        ClientAuthenticator authenticator = authenticator();
        IssuedCertificate issuing = CertificateBuilder.ca("CN=Issuing")
                .validity(NOW.minus(Duration.ofDays(100)), NOW.plus(Duration.ofMinutes(10))).signedBy(root);
        List<X509Certificate> chain = client("CN=dev").signedBy(issuing).presentedChain();

        authenticator.authenticate(chain);
        time.advance(Duration.ofMinutes(11));

        assertThat(authenticator.authenticate(chain).fromCache()).isFalse();
    }

    @Test
    void forgetsASuccessAfterTheTtl() {
        ClientAuthenticator authenticator = authenticator();
        List<X509Certificate> chain = client("CN=dev").signedBy(root).presentedChain();

        authenticator.authenticate(chain);
        time.advance(TTL.minusSeconds(1));
        assertThat(authenticator.authenticate(chain).fromCache()).isTrue();

        time.advance(Duration.ofSeconds(2));
        assertThat(authenticator.authenticate(chain).fromCache()).isFalse();
    }

    @Test
    void invalidateAllForgetsEverySuccess() {
        ClientAuthenticator authenticator = authenticator();
        List<X509Certificate> chain = client("CN=dev").signedBy(root).presentedChain();
        authenticator.authenticate(chain);

        authenticator.invalidateAll();

        assertThat(authenticator.authenticate(chain).fromCache()).isFalse();
        assertThat(counting.calls).isEqualTo(2);
    }

    @Test
    void aSuccessEvaluatedWhileInvalidateAllRunsIsNotKept() {
        ClientAuthenticator authenticator = authenticator();
        List<X509Certificate> chain = client("CN=dev").signedBy(root).presentedChain();
        counting.during = authenticator::invalidateAll; // e.g. a CRL refresh lands mid-handshake

        assertThat(authenticator.authenticate(chain).allowed()).isTrue();
        counting.during = () -> { };
        Authentication next = authenticator.authenticate(chain);

        assertThat(next.fromCache()).as("judged again against the new revocation data").isFalse();
        assertThat(counting.calls).isEqualTo(2);
        assertThat(authenticator.authenticate(chain).fromCache()).as("a success after the update is kept").isTrue();
    }

    @Test
    void refusesAMissingCertificate() {
        ClientAuthenticator authenticator = authenticator();

        for (List<X509Certificate> none : java.util.Arrays.<List<X509Certificate>>asList(List.of(), null)) {
            Authentication result = authenticator.authenticate(none);
            assertThat(result.allowed()).isFalse();
            assertThat(result.identity()).isNull();
            assertThat(result.decision().rejection()).contains(RejectReason.NO_CERTIFICATE);
        }
        assertThat(counting.calls).isZero();
    }

    @Test
    void refusesAnUnreadableCertificateWithoutRunningThePolicy() {
        ClientAuthenticator authenticator = authenticator();
        List<X509Certificate> garbage = List.of(new UnparsableCertificate(new byte[] {0x30, 0x03, 0x02, 0x01, 0x00}));

        Authentication result = authenticator.authenticate(garbage);

        assertThat(result.allowed()).isFalse();
        assertThat(result.identity()).isNull();
        assertThat(result.decision().rejection()).contains(RejectReason.UNREADABLE_CERTIFICATE);
        assertThat(counting.calls).isZero();
    }

    private static final class CountingCheck implements CertificateCheck {
        int calls;
        boolean passes = true;
        Runnable during = () -> { };

        @Override
        public String name() {
            return "counting";
        }

        @Override
        public CheckResult check(ClientIdentity identity, CheckContext context) {
            calls++;
            during.run();
            return passes ? CheckResult.pass(name()) : CheckResult.fail(name(), RejectReason.NOT_ALLOWLISTED, "told to fail");
        }
    }
}
