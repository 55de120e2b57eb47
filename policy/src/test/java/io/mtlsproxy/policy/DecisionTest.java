package io.mtlsproxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionTest {
    @Test
    void theRejectionIsTheFirstFailuresReason() {
        Decision decision = Decision.of(List.of(
                CheckResult.pass("validity"),
                CheckResult.fail("chain", RejectReason.UNKNOWN_CA, "no path"),
                CheckResult.fail("allowlist", RejectReason.NOT_ALLOWLISTED, "not listed")));

        assertThat(decision.allowed()).isFalse();
        assertThat(decision.rejection()).contains(RejectReason.UNKNOWN_CA);
        assertThat(decision.summary()).isEqualTo("chain: unknown_ca: no path; allowlist: not_allowlisted: not listed");
    }

    @Test
    void describeIsAnIndentedTreeEndingWithTheDecision() {
        CheckResult policy = CheckResult.composite("policies.kiosks", RejectReason.RULE_MISMATCH, "failed: anyOf", List.of(
                new CheckResult("subject", true, null, "matches 'CN=kiosk-*'"),
                CheckResult.composite("anyOf", RejectReason.RULE_MISMATCH, "none of 2 matched", List.of(
                        CheckResult.fail("san", RejectReason.RULE_MISMATCH, "no SAN"),
                        CheckResult.fail("ou", RejectReason.RULE_MISMATCH, "OU ['Printers']")))));
        Decision decision = Decision.of(List.of(CheckResult.pass("validity"), policy));

        assertThat(decision.describe()).isEqualTo("""
                validity: PASS
                policies.kiosks: FAIL rule_mismatch - failed: anyOf
                  subject: PASS - matches 'CN=kiosk-*'
                  anyOf: FAIL rule_mismatch - none of 2 matched
                    san: FAIL rule_mismatch - no SAN
                    ou: FAIL rule_mismatch - OU ['Printers']
                decision: DENY (rule_mismatch)""");
        assertThat(decision.summary()).isEqualTo(
                "policies.kiosks/anyOf/san: rule_mismatch: no SAN; policies.kiosks/anyOf/ou: rule_mismatch: OU ['Printers']");
        assertThat(decision.rejectionCode()).contains("rule_mismatch");
        assertThat(Decision.of(List.of(CheckResult.pass("validity"))).describe()).isEqualTo("validity: PASS\ndecision: ALLOW");
        assertThat(Decision.of(List.of(CheckResult.pass("validity"))).rejectionCode()).isEmpty();
    }

    @Test
    void allowedMustAgreeWithTheResults() {
        List<CheckResult> failed = List.of(CheckResult.fail("chain", RejectReason.UNKNOWN_CA, "no path"));

        assertThatThrownBy(() -> new Decision(true, failed)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Decision.of(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CheckResult("chain", false, null, "no reason"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reasonCodesAreLowerSnakeCase() {
        assertThat(RejectReason.UNKNOWN_CA.code()).isEqualTo("unknown_ca");
        assertThat(RejectReason.NOT_YET_VALID.code()).isEqualTo("not_yet_valid");
        assertThat(RejectReason.values()).allSatisfy(reason -> assertThat(reason.code()).matches("[a-z]+(_[a-z]+)*"));
    }
}
