package io.mtlsproxy.policy.rules;

import static io.mtlsproxy.policy.rules.RulesPki.AT_NOW;
import static io.mtlsproxy.policy.rules.RulesPki.client;
import static io.mtlsproxy.policy.rules.RulesPki.identity;
import static io.mtlsproxy.policy.rules.RulesPki.root;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.pki.KeyPairs;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.Decision;
import io.mtlsproxy.policy.RejectReason;
import java.util.List;
import org.junit.jupiter.api.Test;

/** allOf / anyOf, nested: verdicts, reasons, short-circuiting on the handshake path, everything in explain. */
class CompositeCheckTest {
    private final IssuedCertificate root = root("CN=Root,O=Contoso");
    private final ClientIdentity kiosk = identity(client("CN=kiosk-7,OU=Kiosks,O=Contoso").dns("kiosk-7.kiosks.contoso.com").signedBy(root));
    private final ClientIdentity printer = identity(client("CN=printer-1,OU=Printers,O=Contoso").signedBy(root));

    private final CertificateCheck subject = DistinguishedNameRule.subject(List.of("CN=*,OU=*,O=Contoso"));
    private final CertificateCheck san = new SubjectAltNameRule(List.of("dns:*.kiosks.contoso.com"));
    private final CertificateCheck ou = AttributeRule.organizationalUnit(List.of("Kiosks"));
    /** The example config's kiosks policy: subject, then a kiosk SAN or the Kiosks OU. */
    private final AllOf kiosks = new AllOf("policies.kiosks", List.of(subject, new AnyOf(List.of(san, ou))));

    @Test
    void allOfNeedsEveryMemberAndAnyOfOne() {
        assertThat(kiosks.check(kiosk, AT_NOW).passed()).isTrue();
        assertThat(kiosks.check(printer, AT_NOW).passed()).isFalse();
        assertThat(kiosks.check(printer, AT_NOW).reason()).isEqualTo(RejectReason.RULE_MISMATCH);
        ClientIdentity ouOnly = identity(client("CN=kiosk-8,OU=Kiosks,O=Contoso").signedBy(root));
        assertThat(kiosks.check(ouOnly, AT_NOW).passed()).as("the second alternative").isTrue();
        ClientIdentity outsider = identity(client("CN=kiosk-9,OU=Kiosks,O=Fabrikam").dns("kiosk-9.kiosks.contoso.com").signedBy(root));
        assertThat(kiosks.check(outsider, AT_NOW).detail()).isEqualTo("failed: subject");
    }

    @Test
    void checkStopsEarlyAndExplainRunsEveryMember() {
        CheckResult checked = kiosks.check(kiosk, AT_NOW);
        CheckResult explained = kiosks.explain(kiosk, AT_NOW);

        assertThat(checked.children()).extracting(CheckResult::check).containsExactly("subject", "anyOf");
        assertThat(checked.children().get(1).children()).extracting(CheckResult::check).as("san matched: ou not run").containsExactly("san");
        assertThat(checked.children().get(1).detail()).isEqualTo("matched: san");
        assertThat(explained.children().get(1).children()).extracting(CheckResult::check).containsExactly("san", "ou");
        assertThat(explained.children().get(1).detail()).isEqualTo("matched: san, ou");

        AllOf strict = new AllOf(List.of(DistinguishedNameRule.subject(List.of("CN=nobody")), ou));
        assertThat(strict.check(kiosk, AT_NOW).children()).hasSize(1);
        assertThat(strict.explain(kiosk, AT_NOW).children()).extracting(CheckResult::passed).containsExactly(false, true);
    }

    @Test
    void explainShowsTheNestedTree() {
        Decision decision = Decision.of(List.of(kiosks.explain(printer, AT_NOW)));

        assertThat(decision.describe()).isEqualTo("""
                policies.kiosks: FAIL rule_mismatch - failed: anyOf
                  subject: PASS - matches 'CN=*,OU=*,O=Contoso'
                  anyOf: FAIL rule_mismatch - none of 2 matched
                    san: FAIL rule_mismatch - no DNS, URI, e-mail or IP SAN; wanted one matching ['dns:*.kiosks.contoso.com']
                    ou: FAIL rule_mismatch - OU ['Printers'] matches none of ['Kiosks']
                decision: DENY (rule_mismatch)""");
        assertThat(decision.summary()).isEqualTo(
                "policies.kiosks/anyOf/san: rule_mismatch: no DNS, URI, e-mail or IP SAN; wanted one matching ['dns:*.kiosks.contoso.com']; "
                        + "policies.kiosks/anyOf/ou: rule_mismatch: OU ['Printers'] matches none of ['Kiosks']");
    }

    @Test
    void nestsAtAnyDepth() {
        AnyOf alternatives = new AnyOf(List.of(
                new AllOf(List.of(ou, new AnyOf(List.of(san, AttributeRule.commonName(List.of("kiosk-1")))))),
                new AllOf(List.of(AttributeRule.organizationalUnit(List.of("Printers")), AttributeRule.commonName(List.of("printer-*"))))));

        assertThat(alternatives.check(kiosk, AT_NOW).passed()).isTrue();
        assertThat(alternatives.check(printer, AT_NOW).passed()).isTrue();
        assertThat(alternatives.check(identity(client("CN=kiosk-2,OU=Kiosks").signedBy(root)), AT_NOW).passed()).isFalse();
        assertThat(alternatives.explain(printer, AT_NOW).children().get(0).children().get(1).children())
                .extracting(CheckResult::check).containsExactly("san", "cn");
    }

    @Test
    void anyOfKeepsTheReasonItsMembersAgreeOn() {
        ClientIdentity weak = identity(client("CN=weak").keyPair(KeyPairs.rsa(1024)).signedBy(root));
        AnyOf keys = new AnyOf(List.of(new KeyStrengthCheck("minRsaBits", 2048, 0), new KeyStrengthCheck("minRsaBits", 3072, 0)));
        AnyOf mixed = new AnyOf(List.of(new KeyStrengthCheck("minRsaBits", 2048, 0), ou));

        assertThat(keys.check(weak, AT_NOW).reason()).isEqualTo(RejectReason.WEAK_KEY);
        assertThat(mixed.check(weak, AT_NOW).reason()).isEqualTo(RejectReason.RULE_MISMATCH);
        assertThat(new AllOf(List.of(ou, new KeyStrengthCheck("k", 2048, 0))).explain(weak, AT_NOW).reason())
                .as("allOf: the first failure's reason").isEqualTo(RejectReason.RULE_MISMATCH);
    }

    @Test
    void aMemberThatThrowsRefuses() {
        CertificateCheck broken = new CertificateCheck() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public CheckResult check(ClientIdentity identity, CheckContext context) {
                throw new IllegalStateException("boom");
            }
        };

        CheckResult result = new AnyOf(List.of(broken)).check(kiosk, AT_NOW);

        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).isEqualTo(RejectReason.BAD_CERTIFICATE);
        assertThat(result.children().get(0).detail()).contains("boom");
    }

    @Test
    void emptyComposites() {
        assertThat(new AllOf(List.of()).check(kiosk, AT_NOW).passed()).isTrue();
        assertThat(new AllOf(List.of()).check(kiosk, AT_NOW).detail()).isEqualTo("no synchronous rule to check");
        assertThatThrownBy(() -> new AnyOf(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
