package io.mtlsproxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.PolicyConfig;
import io.mtlsproxy.core.config.TlsConfig;
import io.mtlsproxy.core.identity.Thumbprints;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.pki.PemFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustMaterialTest {
    @TempDir
    Path dir;

    private final IssuedCertificate rootA = TestPki.root("CN=Root A");
    private final IssuedCertificate rootB = TestPki.root("CN=Root B");
    private final IssuedCertificate issuing = TestPki.intermediate("CN=Issuing", rootA);

    private Path write(String name, String pem) throws IOException {
        return Files.writeString(dir.resolve(name), pem);
    }

    private static TlsConfig tls(List<Path> anchors, List<Path> intermediates) {
        return new TlsConfig(null, null, null, null, null, null, anchors, intermediates, null, null, null, null);
    }

    private static PolicyConfig rootThumbprint(String thumbprint) {
        return new PolicyConfig(null, null, null, null, thumbprint, null, null, null, null, null, null, null);
    }

    @Test
    void loadsEveryAnchorOfEveryBundleAndTheIntermediates() throws Exception {
        Path bundle = write("roots.pem", PemFiles.toPem(rootA.certificate(), rootB.certificate()));
        Path again = write("root-a.pem", rootA.certificatePem());
        Path intermediates = write("intermediates.pem", issuing.certificatePem());

        TrustMaterial trust = TrustMaterial.load(tls(List.of(bundle, again), List.of(intermediates)), PolicyConfig.defaults());

        assertThat(trust.acceptedIssuers()).as("deduplicated, in file order")
                .containsExactly(rootA.certificate(), rootB.certificate());
        assertThat(trust.intermediates()).containsExactly(issuing.certificate());
    }

    @Test
    void trustedRootThumbprintKeepsOnlyTheMatchingAnchor() throws Exception {
        Path bundle = write("roots.pem", PemFiles.toPem(rootA.certificate(), rootB.certificate()));
        String sha1 = Thumbprints.sha1Hex(rootB.certificate()).toUpperCase(Locale.ROOT);
        String sha256 = Thumbprints.sha256Hex(rootB.certificate());

        TrustMaterial bySha1 = TrustMaterial.load(tls(List.of(bundle), List.of()), rootThumbprint(sha1));
        TrustMaterial bySha256 = TrustMaterial.load(tls(List.of(bundle), List.of()), rootThumbprint(sha256));

        assertThat(bySha1.acceptedIssuers()).containsExactly(rootB.certificate());
        assertThat(bySha256.acceptedIssuers()).containsExactly(rootB.certificate());
    }

    @Test
    void trustedRootThumbprintMatchingNoAnchorNamesTheSetting() throws Exception {
        Path bundle = write("roots.pem", rootA.certificatePem());
        String elsewhere = Thumbprints.sha1Hex(rootB.certificate());

        assertThatThrownBy(() -> TrustMaterial.load(tls(List.of(bundle), List.of()), rootThumbprint(elsewhere)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("policy.trustedRootThumbprint: no certificate in tls.trustAnchors")
                .hasMessageContaining("CN=Root A");
    }

    @Test
    void unreadableBundlesNameTheSettingAndIndex() throws Exception {
        Path good = write("root.pem", rootA.certificatePem());
        Path empty = write("empty.pem", "");
        Path missing = dir.resolve("missing.pem");

        assertThatThrownBy(() -> TrustMaterial.load(tls(List.of(good, empty), List.of(missing)), PolicyConfig.defaults()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).satisfiesExactly(
                        problem -> assertThat(problem).startsWith("tls.trustAnchors[1]: " + empty + ": no certificate found"),
                        problem -> assertThat(problem).startsWith("tls.intermediates[0]: " + missing + ": cannot be read")));
    }
}
