package io.mtlsproxy.policy.revocation;

import static io.mtlsproxy.policy.revocation.RevocationPki.NOW;
import static io.mtlsproxy.policy.revocation.RevocationPki.at;
import static io.mtlsproxy.policy.revocation.RevocationPki.client;
import static io.mtlsproxy.policy.revocation.RevocationPki.identity;
import static io.mtlsproxy.policy.revocation.RevocationPki.root;
import static io.mtlsproxy.policy.revocation.RevocationPki.trust;
import static io.mtlsproxy.policy.revocation.RevocationPki.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.RevocationConfig;
import io.mtlsproxy.core.config.RevocationConfig.DenyListConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.policy.CertificateCheck;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DenyListTest {
    private final IssuedCertificate root = root("CN=Devices Root");
    private final IssuedCertificate other = root("CN=Other Root");
    private final IssuedCertificate device = client("CN=kiosk-1", root);
    private final IssuedCertificate neighbour = client("CN=kiosk-2", root);
    private final AtomicInteger events = new AtomicInteger();

    @TempDir
    Path dir;

    @Test
    void serialInAnyNotationDeniesTheCertificateOfEveryIssuer() throws Exception {
        IssuedCertificate a = client("CN=a", root, new BigInteger("0a1b2c3d", 16));
        IssuedCertificate b = client("CN=b", other, new BigInteger("0a1b2c3d", 16));
        DenyList list = inline(List.of("0A:1B:2C:3D"), List.of(), List.of());

        assertThat(list.match(identity(a))).isNotNull();
        assertThat(list.match(identity(a)).entry()).isEqualTo("serial:a1b2c3d");
        assertThat(list.match(identity(a)).source()).isEqualTo("revocation.denyList.serials[0]");
        assertThat(list.match(identity(b))).isNotNull();
        assertThat(list.match(identity(device))).isNull();
    }

    @Test
    void serialScopedToAnIssuerDeniesOnlyThatIssuersCertificate() throws Exception {
        IssuedCertificate a = client("CN=a", root, BigInteger.valueOf(0x42));
        IssuedCertificate b = client("CN=b", other, BigInteger.valueOf(0x42));
        // RFC 4514 comparison: case and spacing do not matter
        DenyList list = inline(List.of("cn=devices   root#42"), List.of(), List.of());

        assertThat(list.match(identity(a))).isNotNull();
        assertThat(list.match(identity(b))).isNull();
    }

    @Test
    void sha1AndSha256ThumbprintsDenyTheirCertificate() throws Exception {
        ClientIdentity byId = identity(device);
        ClientIdentity bySha1 = identity(neighbour);
        DenyList list = inline(List.of(), List.of(byId.sha256().toUpperCase(), colons(bySha1.sha1())), List.of());

        assertThat(list.match(byId).entry()).isEqualTo("sha256:" + byId.sha256());
        assertThat(list.match(bySha1).entry()).isEqualTo("sha1:" + bySha1.sha1());
        assertThat(list.match(identity(client("CN=kiosk-3", root)))).isNull();
    }

    @Test
    void spkiPinDeniesEveryCertificateOfThatKey() throws Exception {
        IssuedCertificate renewed = CertificateBuilder.client("CN=kiosk-1").keyPair(device.keyPair()).signedBy(root);
        DenyList list = inline(List.of(), List.of(), List.of(identity(device).spkiSha256()));

        assertThat(list.match(identity(device))).isNotNull();
        assertThat(list.match(identity(renewed))).as("same key, new certificate").isNotNull();
        assertThat(list.match(identity(neighbour))).isNull();
    }

    @Test
    void badInlineEntriesAreRefusedNamingTheirSetting() {
        DenyListConfig config = new DenyListConfig(List.of("1a", "xyz"), List.of("abcd"), List.of("not base64!"), null);

        assertThatThrownBy(() -> DenyList.fromConfig(config, events::incrementAndGet))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactly(
                        "revocation.denyList.serials[1]: 'xyz' is not a hex serial number",
                        "revocation.denyList.thumbprints[0]: 'abcd' is not a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint",
                        "revocation.denyList.spki[0]: 'not base64!' is not a base64 SHA-256 SPKI pin (32 bytes)"));
    }

    @Test
    void fileWithEveryKindOfEntryDeniesEach() throws Exception {
        IssuedCertificate scoped = client("CN=scoped", root, BigInteger.valueOf(0xbeef));
        IssuedCertificate bySerial = client("CN=serial", other, BigInteger.valueOf(0xcafe));
        IssuedCertificate bySha1 = client("CN=sha1", root);
        IssuedCertificate bySpki = client("CN=spki", root);
        Path file = dir.resolve("deny.txt");
        write(file, String.join("\n",
                "# devices refused by the operator",
                "",
                "serial:CAFE",
                "serial:CN=Devices Root#BEEF",
                "sha256:" + identity(device).sha256(),
                "SHA1: " + identity(bySha1).sha1(),
                "spki:" + identity(bySpki).spkiSha256()));
        DenyList list = fromFile(file);

        assertThat(list.size()).isEqualTo(5);
        assertThat(list.match(identity(bySerial)).source()).isEqualTo(file + " line 3");
        assertThat(list.match(identity(scoped))).isNotNull();
        assertThat(list.match(identity(client("CN=other-beef", other, BigInteger.valueOf(0xbeef))))).isNull();
        assertThat(list.match(identity(device))).isNotNull();
        assertThat(list.match(identity(bySha1))).isNotNull();
        assertThat(list.match(identity(bySpki))).isNotNull();
        assertThat(list.match(identity(neighbour))).isNull();
    }

    @Test
    void anEntryAddedToTheFileAppliesAtTheNextRefresh() throws Exception {
        Path file = dir.resolve("deny.txt");
        write(file, "# nothing yet\n");
        DenyList list = fromFile(file);
        assertThat(list.match(identity(device))).isNull();

        write(file, "# refused\nsha256:" + identity(device).sha256() + "\n");
        assertThat(list.match(identity(device))).as("not before refresh()").isNull();
        list.refresh();

        assertThat(list.match(identity(device))).isNotNull();
        assertThat(events).hasValue(1);
        list.refresh();
        assertThat(events).as("unchanged file, no event").hasValue(1);
    }

    @Test
    void aBrokenFileKeepsTheLastGoodEntriesUntilItIsFixed() throws Exception {
        Path file = dir.resolve("deny.txt");
        write(file, "sha256:" + identity(device).sha256() + "\n");
        Counters counters = new Counters();
        DenyList list = DenyList.fromConfig(new DenyListConfig(null, null, null, file), events::incrementAndGet, counters);

        write(file, "sha256:" + identity(neighbour).sha256() + "\nsha256:not-a-thumbprint\n");
        list.refresh();
        list.refresh();

        assertThat(list.match(identity(device))).as("last good content").isNotNull();
        assertThat(list.match(identity(neighbour))).as("the broken version is not applied at all").isNull();
        assertThat(counters.denyListReloadFailures.sum()).as("one broken version, counted once").isEqualTo(1);
        assertThat(events).hasValue(0);

        write(file, "sha256:" + identity(neighbour).sha256() + "\n");
        list.refresh();
        assertThat(list.match(identity(neighbour))).isNotNull();
        assertThat(list.match(identity(device))).isNull();
        assertThat(events).hasValue(1);
    }

    @Test
    void aDeletedFileKeepsTheLastGoodEntries() throws Exception {
        Path file = dir.resolve("deny.txt");
        write(file, "sha256:" + identity(device).sha256() + "\n");
        DenyList list = fromFile(file);

        Files.delete(file);
        list.refresh();

        assertThat(list.match(identity(device))).isNotNull();
    }

    @Test
    void rewritingTheSameEntriesInAnotherOrderFiresNoEvent() throws Exception {
        Path file = dir.resolve("deny.txt");
        String a = "sha256:" + identity(device).sha256();
        String b = "sha256:" + identity(neighbour).sha256();
        write(file, a + "\n" + b + "\n");
        DenyList list = fromFile(file);

        write(file, "# reordered\n" + b + "\n" + a + "\n");
        list.refresh();

        assertThat(events).hasValue(0);
    }

    @Test
    void aMissingOrBrokenFileAtStartIsAConfigurationError() throws Exception {
        Path missing = dir.resolve("missing.txt");
        assertThatThrownBy(() -> fromFile(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("revocation.denyList.file: ")
                .hasMessageContaining("no such file");

        Path broken = dir.resolve("broken.txt");
        write(broken, "thumbprint:abc\n");
        assertThatThrownBy(() -> fromFile(broken))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("revocation.denyList.file: " + broken + " line 1: write serial:HEX");
    }

    @Test
    void theHandshakeCheckRefusesADeniedDeviceAsRevoked() throws Exception {
        Revocation revocation = Revocation.fromConfig(
                config(new DenyListConfig(null, List.of(identity(device).sha1()), null, null)),
                trust(root), new FakeClock(NOW), new ManualScheduler(new FakeClock(NOW)), Runnable::run);
        CertificateCheck check = revocation.handshakeCheck();

        CheckResult refused = check.check(identity(device), at(NOW));
        assertThat(refused.passed()).isFalse();
        assertThat(refused.reason()).isEqualTo(RejectReason.REVOKED);
        assertThat(refused.detail()).isEqualTo("on the local deny list: sha1:" + identity(device).sha1()
                + " (revocation.denyList.thumbprints[0])");
        assertThat(check.check(identity(neighbour), at(NOW)).passed()).isTrue();
        assertThat(revocation.isRevoked(identity(device))).isTrue();
        assertThat(revocation.ocspCheck()).isNull();
    }

    @Test
    void startedRevocationPollsTheFileEveryTwoSecondsAndTellsListeners() throws Exception {
        Path file = dir.resolve("deny.txt");
        write(file, "# empty\n");
        FakeClock clock = new FakeClock(NOW);
        ManualScheduler scheduler = new ManualScheduler(clock);
        Revocation revocation = Revocation.fromConfig(config(new DenyListConfig(null, null, null, file)),
                trust(root), clock, scheduler, Runnable::run);
        revocation.addListener(events::incrementAndGet);
        revocation.start();
        ClientIdentity live = identity(device);

        write(file, "serial:" + live.serial() + "\n");
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(revocation.isRevoked(live)).isFalse();
        scheduler.advance(Duration.ofSeconds(1));

        assertThat(revocation.isRevoked(live)).isTrue();
        assertThat(events).hasValue(1);
        assertThat(revocation.stats().revocationEvents()).isEqualTo(1);

        revocation.close();
        write(file, "# emptied\n");
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(revocation.isRevoked(live)).as("closed: no more polls").isTrue();
    }

    private DenyList inline(List<String> serials, List<String> thumbprints, List<String> spki) throws ConfigException {
        return DenyList.fromConfig(new DenyListConfig(serials, thumbprints, spki, null), events::incrementAndGet);
    }

    private DenyList fromFile(Path file) throws ConfigException {
        return DenyList.fromConfig(new DenyListConfig(null, null, null, file), events::incrementAndGet);
    }

    private static RevocationConfig config(DenyListConfig denyList) {
        return new RevocationConfig(null, null, null, null, null, null, denyList);
    }

    private static String colons(String hex) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            out.append(i == 0 ? "" : ":").append(hex, i, i + 2);
        }
        return out.toString();
    }
}
