package io.mtlsproxy.policy.rules;

import static io.mtlsproxy.policy.rules.RulesPki.client;
import static io.mtlsproxy.policy.rules.RulesPki.identity;
import static io.mtlsproxy.policy.rules.RulesPki.root;
import static io.mtlsproxy.policy.rules.RulesPki.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.math.BigInteger;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Subject, issuer, CN, OU, serial, SAN, thumbprint and SPKI rules: each positive and negative. */
class IdentityRulesTest {
    private final IssuedCertificate root = root("CN=Contoso Devices Root, O=Contoso");
    private final ClientIdentity kiosk = identity(client("CN=Kiosk-7,OU=Kiosks,OU=Lobby,O=Contoso")
            .serial(new BigInteger("0a1b2c", 16))
            .dns("kiosk-7.kiosks.contoso.com").uri("urn:device:kiosk-7").email("Kiosk-7@Contoso.com")
            .ip("10.0.0.7", "2001:db8::7")
            .signedBy(root));

    private static void assertMismatch(CheckResult result, String detail) {
        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).isEqualTo(RejectReason.RULE_MISMATCH);
        assertThat(result.detail()).contains(detail);
    }

    @Test
    void subjectMatchesExactlyAsADistinguishedNameNotAsText() {
        assertThat(run(DistinguishedNameRule.subject(List.of("CN=Kiosk-7,OU=Kiosks,OU=Lobby,O=Contoso")), kiosk).passed()).isTrue();
        assertThat(run(DistinguishedNameRule.subject(List.of("cn=kiosk-7, ou=KIOSKS ,  ou=lobby,o=contoso")), kiosk).passed())
                .as("case and spacing folded").isTrue();
        assertThat(run(DistinguishedNameRule.subject(List.of("2.5.4.3=kiosk-7,OU=Kiosks,OU=Lobby,O=Contoso")), kiosk).passed())
                .as("attribute type by OID").isTrue();
        assertMismatch(run(DistinguishedNameRule.subject(List.of("CN=Kiosk-7,O=Contoso")), kiosk), "matches none of ['CN=Kiosk-7,O=Contoso']");
        assertMismatch(run(DistinguishedNameRule.subject(List.of("CN=Kiosk-7,OU=Kiosks,OU=Lobby,O=Contoso,C=US")), kiosk), "subject 'CN=Kiosk-7");
    }

    @Test
    void subjectGlobsStayInsideOneAttributeValue() {
        DistinguishedNameRule kiosks = DistinguishedNameRule.subject(List.of("CN=kiosk-*, OU=Kiosks, OU=Lobby, O=CONTOSO"));

        assertThat(run(kiosks, kiosk).passed()).isTrue();
        assertThat(run(kiosks, kiosk).detail()).isEqualTo("matches 'CN=kiosk-*, OU=Kiosks, OU=Lobby, O=CONTOSO'");
        assertMismatch(run(DistinguishedNameRule.subject(List.of("CN=kiosk-*,O=Contoso")), kiosk), "matches none");
        ClientIdentity evil = identity(client("CN=kiosk-1,O=Evil,O=Contoso").signedBy(root));
        assertMismatch(run(DistinguishedNameRule.subject(List.of("CN=kiosk-*,O=Contoso")), evil), "matches none");
        assertThat(run(DistinguishedNameRule.subject(List.of("CN=printer-*", "CN=kiosk-?,OU=*,OU=*,O=Contoso")), kiosk).passed())
                .as("a list is any of its entries").isTrue();
    }

    @Test
    void issuerMatchesTheIssuingCasName() {
        assertThat(run(DistinguishedNameRule.issuer(List.of("cn=contoso devices root,o=contoso")), kiosk).passed()).isTrue();
        assertThat(run(DistinguishedNameRule.issuer(List.of("CN=* Root,O=Contoso")), kiosk).passed()).isTrue();
        assertMismatch(run(DistinguishedNameRule.issuer(List.of("CN=Fabrikam Root")), kiosk), "issuer 'CN=Contoso Devices Root,O=Contoso'");
    }

    @Test
    void refusesPatternsThatAreNotDistinguishedNames() {
        assertThatThrownBy(() -> DistinguishedNameRule.subject(List.of("kiosk-7"))).hasMessageContaining("'kiosk-7' is not a distinguished name");
        assertThatThrownBy(() -> DistinguishedNameRule.subject(List.of("EMAILADDRESS=*@contoso.com")))
                .hasMessageContaining("compared as hex");
        assertThatThrownBy(() -> DistinguishedNameRule.subject(List.of()))
                .hasMessageContaining("at least one");
    }

    @Test
    void commonNameIsTheMostSpecificCnCaseAndSpacingFolded() {
        assertThat(run(AttributeRule.commonName(List.of("kiosk-7")), kiosk).passed()).isTrue();
        assertThat(run(AttributeRule.commonName(List.of("KIOSK-*")), kiosk).passed()).isTrue();
        assertMismatch(run(AttributeRule.commonName(List.of("kiosk-8", "printer-*")), kiosk), "CN ['Kiosk-7'] matches none of ['kiosk-8', 'printer-*']");

        ClientIdentity nested = identity(client("CN=PC01,CN=Computers,DC=contoso,DC=com").signedBy(root));
        assertThat(run(AttributeRule.commonName(List.of("pc01")), nested).passed()).isTrue();
        assertMismatch(run(AttributeRule.commonName(List.of("Computers")), nested), "CN ['PC01']");
        ClientIdentity spaced = identity(client("CN=Lobby   Kiosk  7").signedBy(root));
        assertThat(run(AttributeRule.commonName(List.of("lobby kiosk 7")), spaced).passed()).isTrue();
        assertMismatch(run(AttributeRule.commonName(List.of("*")), identity(client("O=No CN").signedBy(root))),
                "the subject has no CN");
    }

    @Test
    void organizationalUnitMatchesAnyOfTheSubjectsOus() {
        assertThat(run(AttributeRule.organizationalUnit(List.of("kiosks")), kiosk).passed()).isTrue();
        assertThat(run(AttributeRule.organizationalUnit(List.of("LOBBY")), kiosk).passed()).as("the second OU").isTrue();
        assertThat(run(AttributeRule.organizationalUnit(List.of("Lob*")), kiosk).passed()).isTrue();
        assertMismatch(run(AttributeRule.organizationalUnit(List.of("Printers")), kiosk), "OU ['Kiosks', 'Lobby']");
    }

    @Test
    void serialIsHexIgnoringCaseLeadingZerosAndSeparators() {
        for (String written : List.of("0a1b2c", "A1B2C", "000A1B2C", "0A:1B:2C", "0a 1b 2c")) {
            assertThat(run(new SerialRule(List.of(written)), kiosk).passed()).as(written).isTrue();
        }
        assertMismatch(run(new SerialRule(List.of("0a1b2d", "ff")), kiosk), "serial a1b2c is none of ['0a1b2d', 'ff']");
        assertThatThrownBy(() -> new SerialRule(List.of("0x1f"))).hasMessageContaining("not a serial number in hex");
        assertThatThrownBy(() -> new SerialRule(List.of("::"))).hasMessageContaining("no hex digit");
    }

    @Test
    void sanMatchesByKindExactlyOrByGlob() {
        assertThat(run(new SubjectAltNameRule(List.of("dns:kiosk-7.kiosks.contoso.com")), kiosk).passed()).isTrue();
        assertThat(run(new SubjectAltNameRule(List.of("dns:*.KIOSKS.contoso.com")), kiosk).passed()).isTrue();
        assertThat(run(new SubjectAltNameRule(List.of("uri:urn:device:kiosk-*")), kiosk).passed()).isTrue();
        assertThat(run(new SubjectAltNameRule(List.of("email:kiosk-7@contoso.com")), kiosk).passed()).isTrue();
        assertThat(run(new SubjectAltNameRule(List.of("ip:10.0.0.*")), kiosk).passed()).isTrue();
        assertThat(run(new SubjectAltNameRule(List.of("ip:2001:db8::7")), kiosk).passed()).as("IPv6 written short").isTrue();

        assertMismatch(run(new SubjectAltNameRule(List.of("dns:*.printers.contoso.com")), kiosk),
                "SAN ['dns:kiosk-7.kiosks.contoso.com', 'uri:urn:device:kiosk-7'");
        assertMismatch(run(new SubjectAltNameRule(List.of("uri:URN:DEVICE:KIOSK-7")), kiosk), "matches none");
        assertMismatch(run(new SubjectAltNameRule(List.of("dns:urn:device:kiosk-7")), kiosk), "matches none");
        assertMismatch(run(new SubjectAltNameRule(List.of("ip:10.0.0.8")), kiosk), "matches none");
        assertMismatch(run(new SubjectAltNameRule(List.of("dns:*")), identity(client("CN=bare").signedBy(root))),
                "no DNS, URI, e-mail or IP SAN; wanted one matching ['dns:*']");
    }

    @Test
    void refusesSanPatternsWithoutAKnownKind() {
        assertThatThrownBy(() -> new SubjectAltNameRule(List.of("kiosk.contoso.com"))).hasMessageContaining("write kind:pattern");
        assertThatThrownBy(() -> new SubjectAltNameRule(List.of("upn:kiosk@contoso.com"))).hasMessageContaining("unknown kind 'upn'");
        assertThatThrownBy(() -> new SubjectAltNameRule(List.of("ip:2001:zz8::1"))).hasMessageContaining("not an IP address");
    }

    @Test
    void thumbprintIsTheLeafsSha1OrSha256InAnyNotation() {
        String colons = kiosk.sha1Upper().replaceAll("(..)(?!$)", "$1:");

        assertThat(run(new ThumbprintRule(List.of(kiosk.sha1())), kiosk).passed()).isTrue();
        assertThat(run(new ThumbprintRule(List.of(colons)), kiosk).passed()).isTrue();
        assertThat(run(new ThumbprintRule(List.of(kiosk.sha256().toUpperCase())), kiosk).passed()).isTrue();
        ClientIdentity other = identity(client("CN=Kiosk-7,OU=Kiosks,OU=Lobby,O=Contoso").signedBy(root));
        assertMismatch(run(new ThumbprintRule(List.of(kiosk.sha256())), other), "is none of the 1 listed");
        assertThatThrownBy(() -> new ThumbprintRule(List.of("abcd"))).hasMessageContaining("'abcd' is not a SHA-1");
    }

    @Test
    void spkiPinsTheLeafsPublicKey() {
        IssuedCertificate first = client("CN=renewing").signedBy(root);
        IssuedCertificate renewed = client("CN=renewing").keyPair(first.keyPair()).signedBy(root);
        IssuedCertificate rekeyed = client("CN=renewing").signedBy(root);
        String pin = identity(first).spkiSha256();
        SpkiPinRule rule = new SpkiPinRule(List.of(pin));

        assertThat(run(rule, first).passed()).isTrue();
        assertThat(run(rule, renewed).passed()).as("same key, new certificate").isTrue();
        assertMismatch(run(rule, rekeyed), "is none of the 1 pinned");
        String urlSafeUnpadded = Base64.getUrlEncoder().withoutPadding().encodeToString(Base64.getDecoder().decode(pin));
        assertThat(run(new SpkiPinRule(List.of("sha256/" + urlSafeUnpadded)), first).passed()).isTrue();
        assertThatThrownBy(() -> new SpkiPinRule(List.of("c2hvcnQ="))).hasMessageContaining("5 bytes, not a SHA-256");
        assertThatThrownBy(() -> new SpkiPinRule(List.of("not base64!"))).hasMessageContaining("is not base64");
    }
}
