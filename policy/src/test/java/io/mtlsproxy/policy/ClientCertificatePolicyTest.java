package io.mtlsproxy.policy;

import static io.mtlsproxy.policy.TestPki.NOW;
import static io.mtlsproxy.policy.TestPki.client;
import static io.mtlsproxy.policy.TestPki.identity;
import static io.mtlsproxy.policy.TestPki.trust;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.PolicyConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientCertificatePolicyTest {
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final IssuedCertificate root = TestPki.root("CN=Root");
    private final TrustMaterial trust = trust(root);

    private static PolicyConfig config(Boolean chainValidation, Boolean requireClientAuthEku, List<String> allowlist) {
        return new PolicyConfig(chainValidation, requireClientAuthEku, null, allowlist, null, null, null, null, null, null, null, null);
    }

    private ClientCertificatePolicy policy(PolicyConfig config) throws ConfigException {
        return ClientCertificatePolicy.fromConfig(config, trust, clock);
    }

    private static List<String> names(ClientCertificatePolicy policy) {
        return policy.checks().stream().map(CertificateCheck::name).toList();
    }

    @Test
    void composesTheConfiguredChecksInOrder() throws Exception {
        ClientIdentity device = identity(client("CN=dev").signedBy(root));

        assertThat(names(policy(PolicyConfig.defaults())))
                .containsExactly(ValidityCheck.NAME, ChainValidationCheck.NAME, ExtendedKeyUsageCheck.NAME);
        assertThat(names(policy(config(true, true, List.of(device.sha1())))))
                .containsExactly(ValidityCheck.NAME, ChainValidationCheck.NAME, ExtendedKeyUsageCheck.NAME,
                        ThumbprintAllowlistCheck.NAME);
        assertThat(names(policy(config(false, false, List.of(device.sha1())))))
                .containsExactly(ValidityCheck.NAME, ThumbprintAllowlistCheck.NAME);
    }

    @Test
    void allowsAValidClientAndReportsEveryCheck() throws Exception {
        Decision decision = policy(PolicyConfig.defaults()).evaluate(identity(client("CN=dev").signedBy(root)));

        assertThat(decision.allowed()).isTrue();
        assertThat(decision.rejection()).isEmpty();
        assertThat(decision.summary()).isEqualTo("allowed");
        assertThat(decision.results()).extracting(CheckResult::check)
                .containsExactly(ValidityCheck.NAME, ChainValidationCheck.NAME, ExtendedKeyUsageCheck.NAME);
    }

    @Test
    void evaluateStopsAtTheFirstFailureAndExplainRunsEveryCheck() throws Exception {
        IssuedCertificate stranger = TestPki.root("CN=Stranger");
        ClientIdentity expiredStranger = identity(CertificateBuilder.client("CN=dev")
                .validity(NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1))).signedBy(stranger));
        ClientCertificatePolicy policy = policy(PolicyConfig.defaults());

        Decision evaluated = policy.evaluate(expiredStranger);
        Decision explained = policy.explain(expiredStranger);

        assertThat(evaluated.results()).extracting(CheckResult::check).containsExactly(ValidityCheck.NAME);
        assertThat(evaluated.rejection()).contains(RejectReason.EXPIRED);
        assertThat(explained.results()).extracting(CheckResult::reason)
                .containsExactly(RejectReason.EXPIRED, RejectReason.UNKNOWN_CA, null);
        assertThat(explained.rejection()).contains(RejectReason.EXPIRED);
        assertThat(explained.summary()).contains("validity: expired:").contains("; chain: unknown_ca:");
    }

    @Test
    void explainReportsAnExpiredLeafOnce() throws Exception {
        ClientIdentity expired = identity(CertificateBuilder.client("CN=dev")
                .validity(NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1))).signedBy(root));

        Decision explained = policy(PolicyConfig.defaults()).explain(expired);

        assertThat(explained.results()).extracting(CheckResult::reason).containsExactly(RejectReason.EXPIRED, null, null);
    }

    @Test
    void aServerCertificateIsRefusedUnlessTheEkuRequirementIsOff() throws Exception {
        ClientIdentity server = identity(CertificateBuilder.server("CN=web")
                .validity(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1))).signedBy(root));

        assertThat(policy(PolicyConfig.defaults()).evaluate(server).rejection()).contains(RejectReason.WRONG_KEY_USAGE);
        assertThat(policy(config(true, false, null)).evaluate(server).allowed()).isTrue();
    }

    @Test
    void withoutChainValidationTheAllowlistAdmitsASelfSignedLeaf() throws Exception {
        ClientIdentity listed = identity(client("CN=self-made").selfSigned());
        ClientIdentity unlisted = identity(client("CN=self-made").selfSigned());
        ClientCertificatePolicy allowlistOnly = policy(config(false, true, List.of(listed.sha256())));

        assertThat(allowlistOnly.evaluate(listed).allowed()).isTrue();
        assertThat(allowlistOnly.evaluate(unlisted).rejection()).contains(RejectReason.NOT_ALLOWLISTED);
        assertThat(policy(PolicyConfig.defaults()).evaluate(listed).rejection())
                .as("with chain validation on").contains(RejectReason.UNKNOWN_CA);
    }

    @Test
    void refusesSettingsThatLeaveCertificatesUnchecked() {
        assertThatThrownBy(() -> policy(config(false, true, null)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("policy.allowedThumbprints must list the devices");
        assertThatThrownBy(() -> ClientCertificatePolicy.fromConfig(PolicyConfig.defaults(), TrustMaterial.of(List.of(), List.of()), clock))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("tls.trustAnchors:");
        assertThatThrownBy(() -> policy(config(true, true, List.of("ab:cd"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("policy.allowedThumbprints[0]: 'ab:cd'");
    }

    @Test
    void aCheckThatThrowsRefusesTheCertificate() {
        CertificateCheck broken = new CertificateCheck() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public CheckResult check(ClientIdentity identity, CheckContext context) {
                throw new IllegalStateException("lazy certificate failed to parse");
            }
        };
        ClientCertificatePolicy policy = new ClientCertificatePolicy(List.of(broken), Duration.ZERO, clock);

        Decision decision = policy.evaluate(identity(client("CN=dev").signedBy(root)));

        assertThat(decision.rejection()).contains(RejectReason.BAD_CERTIFICATE);
        assertThat(decision.summary()).contains("broken: bad_certificate: check failed").contains("lazy certificate");
    }
}
