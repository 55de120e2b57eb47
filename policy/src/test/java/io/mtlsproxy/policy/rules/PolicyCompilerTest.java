package io.mtlsproxy.policy.rules;

import static io.mtlsproxy.policy.rules.RulesPki.AT_NOW;
import static io.mtlsproxy.policy.rules.RulesPki.client;
import static io.mtlsproxy.policy.rules.RulesPki.identity;
import static io.mtlsproxy.policy.rules.RulesPki.root;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.pki.KeyPairs;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.Decision;
import io.mtlsproxy.policy.RejectReason;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyCompilerTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final IssuedCertificate root = root("CN=Root,O=Contoso");
    private final ClientIdentity kiosk = identity(client("CN=kiosk-7,OU=Kiosks,O=Contoso")
            .serial(BigInteger.valueOf(0x7f)).dns("kiosk-7.kiosks.contoso.com").signedBy(root));

    private static JsonNode yaml(String text) {
        try {
            return YAML.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static CompiledPolicy compile(String text) throws ConfigException {
        return PolicyCompiler.compile("kiosks", yaml(text));
    }

    private static List<String> problems(String text) {
        return catchThrowableOfType(ConfigException.class, () -> compile(text)).problems();
    }

    @Test
    void compilesTheExampleConfigsPolicy() throws Exception {
        CompiledPolicy policy = compile("""
                allOf:
                  - subject: "CN=kiosk-*,OU=Kiosks,O=Contoso"
                  - anyOf:
                      - san: "dns:*.kiosks.contoso.com"
                      - ou: "Kiosks"
                """);

        assertThat(policy.name()).isEqualTo("kiosks");
        assertThat(policy.requiresEntra()).isFalse();
        assertThat(policy.syncChecks().name()).isEqualTo("policies.kiosks");
        assertThat(policy.syncChecks().check(kiosk, AT_NOW).passed()).isTrue();
        ClientIdentity printer = identity(client("CN=printer-1,OU=Printers,O=Contoso").signedBy(root));
        assertThat(policy.syncChecks().check(printer, AT_NOW).reason()).isEqualTo(RejectReason.RULE_MISMATCH);
        assertThat(Decision.of(List.of(policy.syncChecks().explain(kiosk, AT_NOW))).describe()).isEqualTo("""
                policies.kiosks: PASS - all 2 passed
                  subject: PASS - matches 'CN=kiosk-*,OU=Kiosks,O=Contoso'
                  anyOf: PASS - matched: san, ou
                    san: PASS - matches 'dns:*.kiosks.contoso.com'
                    ou: PASS - matches 'Kiosks'
                decision: ALLOW""");
    }

    @Test
    void compilesEveryRule() throws Exception {
        ClientIdentity weak = identity(client("CN=kiosk-7,OU=Kiosks,O=Contoso").keyPair(KeyPairs.rsa(1024))
                .serial(BigInteger.valueOf(0x7f)).dns("kiosk-7.kiosks.contoso.com").signedBy(root));
        String every = """
                allOf:
                  - subject: ["CN=nobody", "cn=KIOSK-7, ou=kiosks, o=contoso"]
                  - issuer: "CN=Root,O=Contoso"
                  - cn: kiosk-*
                  - ou: [Printers, Kiosks]
                  - serial: "00:7F"
                  - san: ["uri:urn:x", "dns:kiosk-7.kiosks.contoso.com"]
                  - thumbprint: "%s"
                  - spki: "%s"
                  - extension: {oid: "2.5.29.37"}
                  - minRsaBits: 2048
                  - minEcBits: 256
                  - maxChainDepth: 1
                """;
        CompiledPolicy policy = compile(every.formatted(kiosk.sha256(), kiosk.spkiSha256()));
        CheckResult result = policy.syncChecks().explain(kiosk, AT_NOW);

        assertThat(result.passed()).as(Decision.of(List.of(result)).describe()).isTrue();
        assertThat(result.children()).extracting(CheckResult::check).containsExactly("subject", "issuer", "cn", "ou", "serial", "san",
                "thumbprint", "spki", "extension", "minRsaBits", "minEcBits", "maxChainDepth");
        CheckResult other = compile(every.formatted(kiosk.sha256(), kiosk.spkiSha256())).syncChecks().explain(weak, AT_NOW);
        assertThat(other.children()).filteredOn(r -> !r.passed()).extracting(CheckResult::check, CheckResult::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("thumbprint", RejectReason.RULE_MISMATCH),
                        org.assertj.core.groups.Tuple.tuple("spki", RejectReason.RULE_MISMATCH),
                        org.assertj.core.groups.Tuple.tuple("minRsaBits", RejectReason.WEAK_KEY));
    }

    @Test
    void aSingleRuleIsAPolicyToo() throws Exception {
        CompiledPolicy policy = compile("cn: kiosk-7");

        assertThat(policy.syncChecks().name()).isEqualTo("policies.kiosks");
        assertThat(policy.syncChecks().explain(kiosk, AT_NOW).children()).extracting(CheckResult::check).containsExactly("cn");
        assertThat(compile("anyOf: [{cn: nobody}, {cn: kiosk-7}]").syncChecks().check(kiosk, AT_NOW).passed()).isTrue();
    }

    @Test
    void extensionValuesAndAlternatives() throws Exception {
        ClientIdentity tagged = RulesPki.withExtension(root, "1.3.6.1.4.1.99999.1", new org.bouncycastle.asn1.DERUTF8String("lobby"));

        assertThat(compile("extension: {oid: 1.3.6.1.4.1.99999.1, value: lobby}").syncChecks().check(tagged, AT_NOW).passed()).isTrue();
        assertThat(compile("extension: {oid: 1.3.6.1.4.1.99999.1, value: hall}").syncChecks().check(tagged, AT_NOW).passed()).isFalse();
        assertThat(compile("""
                extension:
                  - {oid: 1.3.6.1.4.1.99999.1, value: hall}
                  - {oid: 1.3.6.1.4.1.99999.1, value: "hex:0c056c6f626279"}
                """).syncChecks().check(tagged, AT_NOW).passed()).as("a list is any of them").isTrue();
    }

    @Test
    void entraDeviceMarksThePolicyAsNeedingTheAsynchronousCheck() throws Exception {
        CompiledPolicy withEntra = compile("allOf: [{entraDevice: {}}, {cn: kiosk-*}]");
        CompiledPolicy entraOnly = compile("entraDevice: {}");
        CompiledPolicy nested = compile("allOf: [{allOf: [{entraDevice: }]}]");

        assertThat(withEntra.requiresEntra()).isTrue();
        assertThat(withEntra.syncChecks().explain(kiosk, AT_NOW).children()).extracting(CheckResult::check).containsExactly("cn");
        assertThat(entraOnly.requiresEntra()).isTrue();
        assertThat(entraOnly.syncChecks().check(kiosk, AT_NOW).passed()).isTrue();
        assertThat(nested.requiresEntra()).isTrue();
    }

    @Test
    void refusesEntraDeviceInsideAnyOf() {
        assertThat(problems("""
                allOf:
                  - cn: kiosk-*
                  - anyOf:
                      - allOf: [{entraDevice: {}}, {ou: Kiosks}]
                      - thumbprint: "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
                """)).containsExactly("policies.kiosks.allOf[1].anyOf[0].allOf[0].entraDevice: not allowed inside anyOf "
                + "(policies.kiosks.allOf[1].anyOf): the Entra device check asks Microsoft Graph after the handshake, so it "
                + "cannot be an alternative to rules decided during the handshake; put entraDevice under allOf or at the top of the policy");
        assertThat(problems("anyOf: [{entraDevice: {}}, {cn: x}]")).singleElement().asString()
                .startsWith("policies.kiosks.anyOf[0].entraDevice: not allowed inside anyOf (policies.kiosks.anyOf)");
        assertThat(problems("entraDevice: {tenant: x}")).containsExactly(
                "policies.kiosks.entraDevice: takes no settings here (write entraDevice: {}); configure the check under entra");
    }

    @Test
    void errorsNameThePathOfEveryMistake() {
        assertThat(problems("""
                allOf:
                  - subject: "CN=kiosk-*"
                  - anyOf:
                      - san: ["dns:*.kiosks.contoso.com", "upn:kiosk@contoso.com"]
                      - ou: 12
                  - serial: "0x7f"
                  - subjct: "CN=x"
                  - {cn: a, ou: b}
                  - minRsaBits: 512
                  - extension: {oid: "1.2.x", valu: y}
                  - thumbprint: []
                """)).containsExactly(
                "policies.kiosks.allOf[1].anyOf[0].san[1]: 'upn:kiosk@contoso.com': unknown kind 'upn'; use dns, uri, email or ip",
                "policies.kiosks.allOf[1].anyOf[1].ou: expected a quoted string or a non-empty list of strings, found number 12",
                "policies.kiosks.allOf[2].serial: '0x7f' is not a serial number in hex (digits 0-9, a-f, optionally separated by ':' or spaces)",
                "policies.kiosks.allOf[3].subjct: unknown rule 'subjct'; known rules: allOf, anyOf, subject, issuer, cn, ou, serial, san, "
                        + "thumbprint, spki, extension, minRsaBits, minEcBits, maxChainDepth, entraDevice",
                "policies.kiosks.allOf[4]: a rule is a mapping with exactly one key, found 2 (cn, ou); write each as its own item under allOf or anyOf",
                "policies.kiosks.allOf[5].minRsaBits: expected a whole number from 1024 to 16384, found number 512",
                "policies.kiosks.allOf[6].extension.valu: unknown setting; an extension rule has oid and, optionally, value",
                "policies.kiosks.allOf[7].thumbprint: expected a quoted string or a non-empty list of strings, found an empty list");
    }

    @Test
    void refusesShapesThatAreNotRules() {
        assertThat(problems("[{cn: a}]")).singleElement().asString().startsWith("policies.kiosks: expected a rule (a mapping with one key");
        assertThat(problems("{}")).singleElement().asString().startsWith("policies.kiosks: empty policy");
        assertThat(problems("allOf: []")).containsExactly("policies.kiosks.allOf: allOf takes a non-empty list of rules, found an empty list");
        assertThat(problems("anyOf: {cn: a}")).containsExactly("policies.kiosks.anyOf: anyOf takes a non-empty list of rules, found a mapping");
        assertThat(problems("allOf: [cn]")).singleElement().asString()
                .startsWith("policies.kiosks.allOf[0]: expected a rule (a mapping with one key, e.g. subject: \"CN=...\"), found the string 'cn'");
        assertThat(problems("subject: [\"CN=a\", 7]")).containsExactly("policies.kiosks.subject[1]: expected a quoted string, found number 7");
        assertThat(problems("subject: \"not a dn\"")).singleElement().asString()
                .startsWith("policies.kiosks.subject: 'not a dn' is not a distinguished name");
        assertThat(problems("extension: {value: x}")).containsExactly(
                "policies.kiosks.extension.oid: required, a quoted OID such as \"1.3.6.1.4.1.311.21.7\"");
    }

    @Test
    void compileAllReportsEveryPolicysMistakes() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> PolicyCompiler.compileAll(Map.of(
                "printers", yaml("ou: Printers"),
                "kiosks", yaml("cn: [\"\"]"),
                "lobby", yaml("maxChainDepth: 0"))));

        assertThat(e.problems()).containsExactly(
                "policies.kiosks.cn[0]: empty value",
                "policies.lobby.maxChainDepth: expected a whole number from 1 to 16, found number 0");
    }
}
