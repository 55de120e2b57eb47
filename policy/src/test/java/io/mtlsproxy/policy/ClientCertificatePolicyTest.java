package io.mtlsproxy.policy;

import static io.mtlsproxy.policy.TestPki.NOW;
import static io.mtlsproxy.policy.TestPki.client;
import static io.mtlsproxy.policy.TestPki.identity;
import static io.mtlsproxy.policy.TestPki.trust;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.core.config.PolicyConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.pki.KeyPairs;
import io.mtlsproxy.policy.rules.ChainDepthCheck;
import io.mtlsproxy.policy.rules.KeyStrengthCheck;
import io.mtlsproxy.policy.rules.SignatureAlgorithmCheck;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ClientCertificatePolicyTest {
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final IssuedCertificate root = TestPki.root("CN=Root");
    private final TrustMaterial trust = trust(root);

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static JsonNode yaml(String text) {
        try {
            return YAML.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The baseline with one setting changed: allowExpired, maxChainDepth. */
    private static PolicyConfig baseline(Boolean allowExpired, Integer maxChainDepth) {
        return new PolicyConfig(null, null, null, null, null, null, null, allowExpired, null, null, null, maxChainDepth);
    }

    private static GatewayConfig gateway(PolicyConfig policy, String listenerPolicy, Map<String, JsonNode> policies) {
        ListenerConfig listener = new ListenerConfig(null, null, null, null, null, null, null, null, null, null, null,
                listenerPolicy, null);
        return new GatewayConfig(listener, null, policy, policies, null, null, null, null, null, null, null, null, null, null, null,
                null);
    }

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
                .containsExactly(ValidityCheck.NAME, ChainDepthCheck.NAME, KeyStrengthCheck.NAME, SignatureAlgorithmCheck.NAME,
                        ChainValidationCheck.NAME, ExtendedKeyUsageCheck.NAME);
        assertThat(names(policy(config(true, true, List.of(device.sha1())))))
                .containsExactly(ValidityCheck.NAME, ChainDepthCheck.NAME, KeyStrengthCheck.NAME, SignatureAlgorithmCheck.NAME,
                        ChainValidationCheck.NAME, ExtendedKeyUsageCheck.NAME, ThumbprintAllowlistCheck.NAME);
        assertThat(names(policy(config(false, false, List.of(device.sha1())))))
                .containsExactly(ValidityCheck.NAME, ChainDepthCheck.NAME, KeyStrengthCheck.NAME, SignatureAlgorithmCheck.NAME,
                        ThumbprintAllowlistCheck.NAME);
    }

    @Test
    void allowsAValidClientAndReportsEveryCheck() throws Exception {
        Decision decision = policy(PolicyConfig.defaults()).evaluate(identity(client("CN=dev").signedBy(root)));

        assertThat(decision.allowed()).isTrue();
        assertThat(decision.rejection()).isEmpty();
        assertThat(decision.summary()).isEqualTo("allowed");
        assertThat(decision.results()).extracting(CheckResult::check)
                .containsExactly(ValidityCheck.NAME, ChainDepthCheck.NAME, KeyStrengthCheck.NAME, SignatureAlgorithmCheck.NAME,
                        ChainValidationCheck.NAME, ExtendedKeyUsageCheck.NAME);
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
                .containsExactly(RejectReason.EXPIRED, null, null, null, RejectReason.UNKNOWN_CA, null);
        assertThat(explained.rejection()).contains(RejectReason.EXPIRED);
        assertThat(explained.summary()).contains("validity: expired:").contains("; chain: unknown_ca:");
    }

    @Test
    void explainReportsAnExpiredLeafOnce() throws Exception {
        ClientIdentity expired = identity(CertificateBuilder.client("CN=dev")
                .validity(NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1))).signedBy(root));

        Decision explained = policy(PolicyConfig.defaults()).explain(expired);

        assertThat(explained.results()).extracting(CheckResult::reason)
                .containsExactly(RejectReason.EXPIRED, null, null, null, null, null);
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
    void theBaselineRefusesWeakKeysWeakSignaturesAndLongChainsWithPreciseReasons() throws Exception {
        IssuedCertificate rsaRoot = CertificateBuilder.ca("CN=RSA Root").keyPair(KeyPairs.rsa(2048))
                .validity(NOW.minus(Duration.ofDays(10)), NOW.plus(Duration.ofDays(100))).selfSigned();
        ClientCertificatePolicy policy = ClientCertificatePolicy.fromConfig(baseline(null, 2), trust(rsaRoot), clock);
        IssuedCertificate a = CertificateBuilder.ca("CN=A").keyPair(KeyPairs.rsa(2048)).validity(NOW.minus(Duration.ofDays(1)),
                NOW.plus(Duration.ofDays(10))).signedBy(rsaRoot);
        IssuedCertificate b = CertificateBuilder.ca("CN=B").validity(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(10))).signedBy(a);

        assertThat(policy.evaluate(identity(client("CN=rsa-2048").keyPair(KeyPairs.rsa(2048)).signedBy(rsaRoot))).allowed()).isTrue();
        assertThat(policy.evaluate(identity(client("CN=p-256").signedBy(rsaRoot))).allowed()).isTrue();
        Decision weak = policy.evaluate(identity(client("CN=rsa-1024").keyPair(KeyPairs.rsa(1024)).signedBy(rsaRoot)));
        assertThat(weak.rejection()).contains(RejectReason.WEAK_KEY);
        assertThat(weak.results()).extracting(CheckResult::check).as("judged before PKIX")
                .containsExactly(ValidityCheck.NAME, ChainDepthCheck.NAME, KeyStrengthCheck.NAME);
        assertThat(policy.evaluate(identity(client("CN=sha1").signatureAlgorithm("SHA1withRSA").signedBy(rsaRoot))).rejection())
                .contains(RejectReason.WEAK_SIGNATURE);
        assertThat(policy.evaluate(identity(client("CN=md5").signatureAlgorithm("MD5withRSA").signedBy(rsaRoot))).rejectionCode())
                .as("not the JDK validator's generic algorithm-constraint failure").contains("weak_signature");
        assertThat(policy.evaluate(identity(client("CN=deep").signedBy(b))).rejection()).contains(RejectReason.CHAIN_TOO_LONG);
        assertThat(policy.evaluate(identity(client("CN=shallow").signedBy(a))).allowed()).isTrue();
    }

    @Test
    void allowExpiredIsOffByDefaultAndLoudWhenOn() throws Exception {
        ClientIdentity expired = identity(CertificateBuilder.client("CN=dev")
                .validity(NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1))).signedBy(root));
        Logger logger = (Logger) LoggerFactory.getLogger(ClientCertificatePolicy.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            Decision refused = policy(PolicyConfig.defaults()).evaluate(expired);
            assertThat(logged.list).isEmpty();

            Decision accepted = policy(baseline(true, null)).explain(expired);

            assertThat(refused.rejection()).contains(RejectReason.EXPIRED);
            assertThat(accepted.allowed()).isTrue();
            assertThat(accepted.describe()).contains("validity: PASS - passed only because policy.allowExpired is on: expired at");
            assertThat(logged.list).singleElement().satisfies(event -> {
                assertThat(event.getLevel()).isEqualTo(Level.WARN);
                assertThat(event.getFormattedMessage()).contains("allowExpired is ON: expired device certificates are accepted");
            });
        } finally {
            logger.detachAppender(logged);
        }
    }

    @Test
    void theListenersNamedPolicyRunsAfterTheBaseline() throws Exception {
        GatewayConfig config = gateway(null, "kiosks", Map.of(
                "kiosks", yaml("""
                        allOf:
                          - subject: "CN=kiosk-*,OU=Kiosks,O=Contoso"
                          - anyOf: [{san: "dns:*.kiosks.contoso.com"}, {ou: Kiosks}]
                        """),
                "printers", yaml("ou: Printers")));
        ClientCertificatePolicy policy = ClientCertificatePolicy.fromConfig(config, trust, clock);
        ClientIdentity kiosk = identity(client("CN=kiosk-7,OU=Kiosks,O=Contoso").signedBy(root));
        ClientIdentity printer = identity(client("CN=printer-1,OU=Printers,O=Contoso").signedBy(root));

        assertThat(names(policy)).endsWith(ExtendedKeyUsageCheck.NAME, "policies.kiosks");
        assertThat(policy.namedPolicy()).hasValueSatisfying(named -> assertThat(named.name()).isEqualTo("kiosks"));
        assertThat(policy.requiresEntra()).isFalse();
        assertThat(policy.evaluate(kiosk).allowed()).isTrue();
        Decision refused = policy.explain(printer);
        assertThat(refused.rejectionCode()).contains("rule_mismatch");
        assertThat(refused.describe()).contains("""
                policies.kiosks: FAIL rule_mismatch - failed: subject, anyOf
                  subject: FAIL rule_mismatch - subject 'CN=printer-1,OU=Printers,O=Contoso' matches none of ['CN=kiosk-*,OU=Kiosks,O=Contoso']
                  anyOf: FAIL rule_mismatch - none of 2 matched
                """).endsWith("decision: DENY (rule_mismatch)");
        assertThat(ClientCertificatePolicy.fromConfig(gateway(null, null, config.policies()), trust, clock).evaluate(printer).allowed())
                .as("no listener.policy: the baseline alone").isTrue();
        Decision stranger = policy.evaluate(identity(client("CN=kiosk-7,OU=Kiosks,O=Contoso").signedBy(TestPki.root("CN=Other"))));
        assertThat(stranger.rejection()).as("the chain before the rules").contains(RejectReason.UNKNOWN_CA);
    }

    @Test
    void aNamedPolicyWithEntraDeviceAsksForTheAsynchronousCheck() throws Exception {
        GatewayConfig config = gateway(null, "entra", Map.of("entra", yaml("allOf: [{entraDevice: {}}, {cn: kiosk-*}]")));

        ClientCertificatePolicy policy = ClientCertificatePolicy.fromConfig(config, trust, clock);

        assertThat(policy.requiresEntra()).isTrue();
        assertThat(policy.evaluate(identity(client("CN=kiosk-1").signedBy(root))).allowed()).isTrue();
        assertThat(policy.evaluate(identity(client("CN=printer-1").signedBy(root))).allowed()).isFalse();
    }

    @Test
    void reportsMistakesInTheBaselineAndInEveryNamedPolicyTogether() {
        PolicyConfig badBaseline = new PolicyConfig(null, null, null, null, null, null, null, null, 512, null, List.of("SHA1", "MD5;"), 0);
        GatewayConfig config = gateway(badBaseline, "kiosks", Map.of(
                "kiosks", yaml("cn: kiosk-*"),
                "unused", yaml("sn: x")));

        ConfigException e = org.assertj.core.api.Assertions.catchThrowableOfType(ConfigException.class,
                () -> ClientCertificatePolicy.fromConfig(config, trust, clock));

        assertThat(e.problems()).containsExactly(
                "policy.minRsaBits: 512 is out of range (1024 to 16384)",
                "policy.maxChainDepth: 0 is out of range (1 to 16)",
                "policy.forbiddenSignatureAlgorithms[1]: 'MD5;' is neither a digest or signature algorithm name (SHA1, MD5, SHA1withRSA) nor an OID",
                "policies.unused.sn: unknown rule 'sn'; known rules: allOf, anyOf, subject, issuer, cn, ou, serial, san, thumbprint, spki, "
                        + "extension, minRsaBits, minEcBits, maxChainDepth, entraDevice");
        assertThatThrownBy(() -> ClientCertificatePolicy.fromConfig(gateway(null, "missing", Map.of()), trust, clock))
                .hasMessage("listener.policy: no policy named 'missing' under policies (known: [])");
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
