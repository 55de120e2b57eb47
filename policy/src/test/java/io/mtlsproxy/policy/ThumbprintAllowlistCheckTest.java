package io.mtlsproxy.policy;

import static io.mtlsproxy.policy.TestPki.identity;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class ThumbprintAllowlistCheckTest {
    private final IssuedCertificate root = TestPki.root("CN=Root");
    private final ClientIdentity listed = identity(TestPki.client("CN=listed").signedBy(root));
    private final ClientIdentity other = identity(TestPki.client("CN=other").signedBy(root));

    private static CheckResult check(List<String> allowlist, ClientIdentity identity) {
        return new ThumbprintAllowlistCheck(allowlist).check(identity, TestPki.now());
    }

    @Test
    void passesByShaOne() {
        assertThat(check(List.of(listed.sha1()), listed).passed()).isTrue();
    }

    @Test
    void passesBySha256() {
        assertThat(check(List.of(listed.sha256()), listed).passed()).isTrue();
    }

    @Test
    void acceptsUpperCaseAndColons() {
        String windowsStyle = listed.sha1Upper();
        String opensslStyle = String.join(":", listed.sha256().toUpperCase(Locale.ROOT).split("(?<=\\G..)"));

        assertThat(check(List.of(windowsStyle), listed).passed()).isTrue();
        assertThat(check(List.of(opensslStyle), listed).passed()).isTrue();
    }

    @Test
    void refusesAnUnlistedCertificate() {
        CheckResult result = check(List.of(listed.sha1(), listed.sha256()), other);

        assertThat(result.reason()).isEqualTo(RejectReason.NOT_ALLOWLISTED);
        assertThat(result.detail()).contains(other.sha1Upper());
    }

    @Test
    void rejectsSomethingThatIsNotAThumbprint() {
        assertThatThrownBy(() -> new ThumbprintAllowlistCheck(List.of("kiosk-1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kiosk-1");
    }
}
