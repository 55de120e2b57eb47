package io.mtlsproxy.policy;

import static io.mtlsproxy.policy.TestPki.client;
import static io.mtlsproxy.policy.TestPki.identity;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.config.AccessConfig;
import io.mtlsproxy.core.config.AccessRuleConfig;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.IdentityMatchConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessRulesTest {
    private final IssuedCertificate root = TestPki.root("CN=Devices Root,O=Contoso");
    private final IssuedCertificate issuing = TestPki.intermediate("CN=Issuing CA 1,O=Contoso", root);

    private static AccessRuleConfig rule(String name, IdentityMatchConfig match, String... secrets) {
        return new AccessRuleConfig(name, match, List.of(secrets));
    }

    private static IdentityMatchConfig thumbprints(String... thumbprints) {
        return new IdentityMatchConfig(List.of(thumbprints), null, null, null, null);
    }

    private static IdentityMatchConfig subject(String... patterns) {
        return new IdentityMatchConfig(null, List.of(patterns), null, null, null);
    }

    private static IdentityMatchConfig issuer(String... patterns) {
        return new IdentityMatchConfig(null, null, List.of(patterns), null, null);
    }

    private static IdentityMatchConfig san(String... patterns) {
        return new IdentityMatchConfig(null, null, null, List.of(patterns), null);
    }

    private static IdentityMatchConfig anyAuthenticated() {
        return new IdentityMatchConfig(null, null, null, null, true);
    }

    private static AccessRules rules(AccessRuleConfig... rules) throws ConfigException {
        return AccessRules.fromConfig(new AccessConfig(List.of(rules)));
    }

    private ClientIdentity device(String subject) {
        return identity(client(subject).signedBy(root));
    }

    @Test
    void deniesByDefault() throws Exception {
        ClientIdentity device = device("CN=kiosk-1");

        AccessDecision none = rules().decide(device, "db-password");
        AccessDecision unmatched = rules(rule("kiosks", subject("CN=kiosk-*"), "kiosk-*")).decide(device, "db-password");

        assertThat(none).isEqualTo(new AccessDecision(false, null, "no_matching_rule"));
        assertThat(unmatched.allowed()).isFalse();
        assertThat(unmatched.reason()).isEqualTo(AccessDecision.NO_MATCHING_RULE);
    }

    @Test
    void routesAreGrantedOnlyByRulesThatNameThem() throws Exception {
        ClientIdentity kiosk = device("CN=kiosk-1");
        ClientIdentity laptop = device("CN=laptop-1");
        AccessRules rules = rules(
                rule("secrets-only", anyAuthenticated(), "*"),
                new AccessRuleConfig("kiosk-apis", subject("CN=kiosk-*"), null, List.of("inventory-*", "telemetry")));

        assertThat(rules.decideRoute(kiosk, "inventory-eu").rule()).isEqualTo("kiosk-apis");
        assertThat(rules.decideRoute(kiosk, "telemetry").allowed()).isTrue();
        assertThat(rules.decideRoute(kiosk, "billing").allowed()).isFalse();
        // a rule granting every secret grants no route, and a route-only rule grants no secret
        assertThat(rules.decideRoute(laptop, "inventory-eu").reason()).isEqualTo(AccessDecision.NO_MATCHING_RULE);
        assertThat(rules.decide(kiosk, "inventory-eu").rule()).isEqualTo("secrets-only");
        assertThat(rules(new AccessRuleConfig("routes", anyAuthenticated(), null, List.of("x")))
                .decide(kiosk, "x").allowed()).isFalse();
    }

    @Test
    void matchesByThumbprintInAnyNotation() throws Exception {
        ClientIdentity listed = device("CN=kiosk-1");
        ClientIdentity other = device("CN=kiosk-1");
        AccessRules rules = rules(rule("one-device", thumbprints(listed.sha1Upper()), "db-*"),
                rule("by-sha256", thumbprints(other.sha256()), "api-key"));

        assertThat(rules.decide(listed, "db-password")).isEqualTo(new AccessDecision(true, "one-device", "one-device"));
        assertThat(rules.decide(other, "db-password").allowed()).isFalse();
        assertThat(rules.decide(other, "api-key").rule()).isEqualTo("by-sha256");
    }

    @Test
    void matchesSubjectGlobsCaseInsensitivelyAndIgnoringSpacing() throws Exception {
        AccessRules rules = rules(rule("kiosks", subject("cn=KIOSK-*,   o = contoso"), "kiosk-config"));

        assertThat(rules.decide(device("CN=kiosk-7,O=Contoso"), "kiosk-config").allowed()).isTrue();
        assertThat(rules.decide(device("CN=Kiosk-8, O=CONTOSO"), "kiosk-config").allowed()).isTrue();
        assertThat(rules.decide(device("CN=kiosk-7,O=Fabrikam"), "kiosk-config").allowed()).isFalse();
        assertThat(rules.decide(device("CN=kiosk-7,O=Evil,O=Contoso"), "kiosk-config").allowed())
                .as("a wildcard does not reach across attributes").isFalse();
        assertThat(rules.decide(device("CN=printer-1,O=Contoso"), "kiosk-config").allowed()).isFalse();
    }

    @Test
    void matchesTheIssuer() throws Exception {
        AccessRules rules = rules(rule("issued-by-ca1", issuer("CN=Issuing CA 1, O=Contoso"), "*"));

        assertThat(rules.decide(identity(client("CN=a").signedBy(issuing)), "x").allowed()).isTrue();
        assertThat(rules.decide(identity(client("CN=a").signedBy(root)), "x").allowed()).isFalse();
    }

    @Test
    void matchesEachKindOfSubjectAlternativeName() throws Exception {
        AccessRules rules = rules(
                rule("dns", san("dns:*.devices.contoso.com"), "dns-secret"),
                rule("uri", san("uri:spiffe://contoso/kiosk/*"), "uri-secret"),
                rule("email", san("email:*@contoso.com"), "email-secret"),
                rule("ip", san("ip:2001:db8::1"), "ip-secret"));
        ClientIdentity dns = identity(client("CN=a").dns("KIOSK-1.Devices.Contoso.com").signedBy(root));
        ClientIdentity uri = identity(client("CN=a").uri("spiffe://contoso/kiosk/7").signedBy(root));
        ClientIdentity email = identity(client("CN=a").email("Kiosk@Contoso.com").signedBy(root));
        ClientIdentity ip = identity(client("CN=a").ip("2001:db8:0::1").signedBy(root));

        assertThat(rules.decide(dns, "dns-secret").rule()).isEqualTo("dns");
        assertThat(rules.decide(uri, "uri-secret").rule()).isEqualTo("uri");
        assertThat(rules.decide(email, "email-secret").rule()).isEqualTo("email");
        assertThat(rules.decide(ip, "ip-secret").rule()).isEqualTo("ip");
        assertThat(rules.decide(dns, "uri-secret").allowed()).as("a DNS name is not a URI").isFalse();
        assertThat(rules.decide(device("CN=a"), "dns-secret").allowed()).as("no SAN at all").isFalse();
    }

    @Test
    void anyAuthenticatedCoversEveryDevice() throws Exception {
        AccessRules rules = rules(rule("shared", anyAuthenticated(), "shared-*"));

        assertThat(rules.decide(device("CN=anyone"), "shared-wifi").allowed()).isTrue();
        assertThat(rules.decide(device("O=No Common Name"), "shared-wifi").allowed()).isTrue();
        assertThat(rules.decide(device("CN=anyone"), "private").allowed()).isFalse();
    }

    @Test
    void everySetFieldOfAMatchMustHold() throws Exception {
        ClientIdentity kiosk = device("CN=kiosk-1");
        ClientIdentity otherKiosk = device("CN=kiosk-2");
        IdentityMatchConfig both = new IdentityMatchConfig(List.of(kiosk.sha256(), otherKiosk.sha256()),
                List.of("CN=kiosk-1"), null, null, null);

        AccessRules rules = rules(rule("kiosk-1-only", both, "x"));

        assertThat(rules.decide(kiosk, "x").allowed()).isTrue();
        assertThat(rules.decide(otherKiosk, "x").allowed()).isFalse();
    }

    @Test
    void aDeviceReadsOnlyItsOwnSecretThroughTheCommonNamePlaceholder() throws Exception {
        AccessRules rules = rules(rule("own-secret", anyAuthenticated(), "device-{cn}"));
        ClientIdentity a = device("CN=a,O=Contoso");
        ClientIdentity b = device("CN=b,O=Contoso");

        assertThat(rules.decide(a, "device-a").allowed()).isTrue();
        assertThat(rules.decide(a, "device-b").allowed()).isFalse();
        assertThat(rules.decide(b, "device-b").allowed()).isTrue();
        assertThat(rules.decide(a, "Device-a").allowed()).as("secret names are case-sensitive").isFalse();
    }

    @Test
    void aCommonNameOfStarIsNoWildcard() throws Exception {
        AccessRules rules = rules(rule("own-secret", anyAuthenticated(), "device-{cn}"));
        ClientIdentity star = device("CN=*");
        ClientIdentity question = device("CN=?");

        assertThat(rules.decide(star, "device-b").allowed()).isFalse();
        assertThat(rules.decide(star, "device-*").allowed()).as("its own, literally named secret").isTrue();
        assertThat(rules.decide(question, "device-b").allowed()).isFalse();
    }

    @Test
    void aDeviceWithoutCommonNameNeverMatchesTheCommonNamePlaceholder() throws Exception {
        AccessRules rules = rules(rule("own-secret", anyAuthenticated(), "device-{cn}", "device-{cn}*"));

        ClientIdentity nameless = device("O=Contoso,OU=Kiosks");

        assertThat(rules.decide(nameless, "device-").allowed()).isFalse();
        assertThat(rules.decide(nameless, "device-x").allowed()).isFalse();
    }

    @Test
    void thumbprintPlaceholdersUseLowerCaseHex() throws Exception {
        AccessRules rules = rules(rule("by-thumbprint", anyAuthenticated(), "cert-{sha1}", "pin-{sha256}"));
        ClientIdentity device = device("CN=a");

        assertThat(rules.decide(device, "cert-" + device.sha1()).allowed()).isTrue();
        assertThat(rules.decide(device, "pin-" + device.sha256()).allowed()).isTrue();
        assertThat(rules.decide(device, "cert-" + device.sha1Upper()).allowed()).isFalse();
        assertThat(rules.decide(device("CN=b"), "cert-" + device.sha1()).allowed()).isFalse();
    }

    @Test
    void theFirstMatchingRuleWins() throws Exception {
        AccessRules rules = rules(
                rule("kiosk-db", subject("CN=kiosk-*"), "db-*"),
                rule("everyone", anyAuthenticated(), "*"),
                rule("never-reached", subject("CN=kiosk-*"), "*"));

        assertThat(rules.decide(device("CN=kiosk-1"), "db-password").rule()).isEqualTo("kiosk-db");
        assertThat(rules.decide(device("CN=kiosk-1"), "wifi").rule()).isEqualTo("everyone");
    }

    @Test
    void compileErrorsNameEverySetting() {
        AccessConfig config = new AccessConfig(List.of(
                rule("bad-patterns", new IdentityMatchConfig(List.of("xyz"), List.of("not a dn"),
                        List.of("EMAILADDRESS=*@contoso.com"), List.of("mac:00:11", "dns:"), null), "device-{name}", " "),
                rule("bad-patterns", new IdentityMatchConfig(null, null, null, null, null), "x"),
                rule("contradiction", new IdentityMatchConfig(null, List.of("CN=a"), null, null, true)),
                rule(null, anyAuthenticated(), "x")));

        assertThatThrownBy(() -> AccessRules.fromConfig(config))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).satisfiesExactlyInAnyOrder(
                        p -> assertThat(p).startsWith("access.rules[0].secrets[0]: 'device-{name}': unknown placeholder"),
                        p -> assertThat(p).startsWith("access.rules[0].secrets[1]: empty pattern"),
                        p -> assertThat(p).startsWith("access.rules[0].match.thumbprints[0]: 'xyz'"),
                        p -> assertThat(p).startsWith("access.rules[0].match.subject[0]: 'not a dn' is not a distinguished name"),
                        p -> assertThat(p).startsWith("access.rules[0].match.issuer[0]: 'EMAILADDRESS=*@contoso.com' has a wildcard"),
                        p -> assertThat(p).startsWith("access.rules[0].match.san[0]: unknown kind 'mac'"),
                        p -> assertThat(p).startsWith("access.rules[0].match.san[1]: write kind:pattern"),
                        p -> assertThat(p).startsWith("access.rules[1].name: 'bad-patterns' is used by another rule"),
                        p -> assertThat(p).startsWith("access.rules[1].match: says nothing"),
                        p -> assertThat(p).startsWith("access.rules[2].match: anyAuthenticated: true contradicts"),
                        p -> assertThat(p).startsWith("access.rules[2].secrets: list the secret names"),
                        p -> assertThat(p).startsWith("access.rules[3].name: every rule needs a name")));
    }

    @Test
    void withManyRulesTheFirstCoveringRuleThatGrantsStillDecidesForEachDevice() throws Exception {
        // enough rules that which ones cover a device is remembered per chain
        List<AccessRuleConfig> configs = new java.util.ArrayList<>();
        for (int i = 0; i < AccessRules.COVERAGE_MEMO_FROM; i++) {
            configs.add(rule("other-" + i, subject("CN=printer-" + i), "printer-" + i + "-*"));
        }
        configs.add(rule("kiosk-wifi", subject("CN=kiosk-*"), "wifi-*"));
        configs.add(rule("kiosk-one", subject("CN=kiosk-1"), "wifi-guest", "kiosk-1-*"));
        configs.add(new AccessRuleConfig("kiosk-apis", subject("CN=kiosk-*"), null, List.of("inventory")));
        AccessRules rules = AccessRules.fromConfig(new AccessConfig(configs));
        ClientIdentity kiosk1 = device("CN=kiosk-1");
        ClientIdentity kiosk2 = device("CN=kiosk-2");

        for (int round = 0; round < 2; round++) { // the second round answers from what the first remembered
            assertThat(rules.decide(kiosk1, "wifi-guest").rule()).isEqualTo("kiosk-wifi"); // the first that grants
            assertThat(rules.decide(kiosk1, "kiosk-1-token").rule()).isEqualTo("kiosk-one");
            assertThat(rules.decide(kiosk2, "kiosk-1-token").allowed()).isFalse();
            assertThat(rules.decide(kiosk2, "wifi-corp").rule()).isEqualTo("kiosk-wifi");
            assertThat(rules.decide(kiosk1, "printer-0-key").reason()).isEqualTo(AccessDecision.NO_MATCHING_RULE);
            assertThat(rules.decideRoute(kiosk2, "inventory").rule()).isEqualTo("kiosk-apis");
            assertThat(rules.decideRoute(kiosk1, "billing").allowed()).isFalse();
        }
    }
}
