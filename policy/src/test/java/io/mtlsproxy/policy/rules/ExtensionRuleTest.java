package io.mtlsproxy.policy.rules;

import static io.mtlsproxy.policy.rules.RulesPki.root;
import static io.mtlsproxy.policy.rules.RulesPki.run;
import static io.mtlsproxy.policy.rules.RulesPki.withExtension;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERUTF8String;
import org.junit.jupiter.api.Test;

class ExtensionRuleTest {
    private static final String OID = "1.3.6.1.4.1.99999.1";

    private final IssuedCertificate root = root("CN=Root");
    private final ClientIdentity utf8 = withExtension(root, OID, new DERUTF8String("kiosk"));

    @Test
    void presenceOnlyWhenNoValueIsGiven() {
        assertThat(run(new ExtensionRule(OID, null), utf8).passed()).isTrue();
        assertThat(run(new ExtensionRule(OID, null), utf8).detail()).isEqualTo("extension " + OID + " is present");

        CheckResult missing = run(new ExtensionRule("1.3.6.1.4.1.99999.2", null), utf8);
        assertThat(missing.reason()).isEqualTo(RejectReason.RULE_MISMATCH);
        assertThat(missing.detail()).isEqualTo("no extension 1.3.6.1.4.1.99999.2");
    }

    @Test
    void aTextValueMatchesAUtf8OrPrintableString() {
        ClientIdentity printable = withExtension(root, OID, new DERPrintableString("kiosk"));

        assertThat(run(new ExtensionRule(OID, "kiosk"), utf8).passed()).isTrue();
        assertThat(run(new ExtensionRule(OID, "kiosk"), printable).passed()).isTrue();
        CheckResult wrong = run(new ExtensionRule(OID, "Kiosk"), utf8);
        assertThat(wrong.reason()).isEqualTo(RejectReason.RULE_MISMATCH);
        assertThat(wrong.detail()).isEqualTo("extension " + OID + " is 'kiosk', not 'Kiosk'");
    }

    @Test
    void aHexValueMatchesTheDerValueByteForByte() {
        // UTF8String "kiosk": tag 0c, length 05, then the bytes
        assertThat(run(new ExtensionRule(OID, "hex:0C:05:6b:69:6f:73:6b"), utf8).passed()).isTrue();
        CheckResult printable = run(new ExtensionRule(OID, "hex:13056b696f736b"), utf8);
        assertThat(printable.reason()).isEqualTo(RejectReason.RULE_MISMATCH);
        assertThat(printable.detail()).contains("is hex:0c056b696f736b");
    }

    @Test
    void aTextValueNeverMatchesANonString() {
        ClientIdentity integer = withExtension(root, OID, new ASN1Integer(5));

        CheckResult result = run(new ExtensionRule(OID, "5"), integer);

        assertThat(result.reason()).isEqualTo(RejectReason.RULE_MISMATCH);
        assertThat(result.detail()).contains("not a string (hex:020105)");
        assertThat(run(new ExtensionRule(OID, "hex:020105"), integer).passed()).isTrue();
    }

    @Test
    void refusesMalformedOidsAndHex() {
        assertThatThrownBy(() -> new ExtensionRule("kiosk", null)).hasMessageContaining("'kiosk' is not an OID");
        assertThatThrownBy(() -> new ExtensionRule("1.2.03", null)).hasMessageContaining("not an OID");
        assertThatThrownBy(() -> new ExtensionRule(OID, "hex:abc")).hasMessageContaining("even number of hex digits");
        assertThatThrownBy(() -> new ExtensionRule(OID, "hex:zz")).hasMessageContaining("is not hex");
    }
}
