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
