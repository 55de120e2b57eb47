package io.mtlsproxy.core.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.Security;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyPairsTest {

    @Test
    void keyMatchesItsOwnPublicKey() {
        KeyPair ec = KeyPairs.ecP256();
        KeyPair rsa = KeyPairs.rsa(2048);

        assertThat(KeyPairs.matches(ec.getPrivate(), ec.getPublic())).isTrue();
        assertThat(KeyPairs.matches(rsa.getPrivate(), rsa.getPublic())).isTrue();
    }

    @Test
    void keyDoesNotMatchAnotherPublicKey() {
        KeyPair ec = KeyPairs.ecP256();
        KeyPair rsa = KeyPairs.rsa(2048);

        assertThat(KeyPairs.matches(ec.getPrivate(), KeyPairs.ecP256().getPublic())).isFalse();
        assertThat(KeyPairs.matches(rsa.getPrivate(), ec.getPublic())).isFalse();
        assertThat(KeyPairs.matches(ec.getPrivate(), rsa.getPublic())).isFalse();
    }

    /**
     * Once any code registers BouncyCastle, PEM keys come back named "ECDSA" while the
     * certificate's key (parsed by the JDK) says "EC"; a matching key must still match.
     */
    @Test
    void ecKeyStillMatchesWithBouncyCastleRegistered(@TempDir Path dir) throws Exception {
        IssuedCertificate server = CertificateBuilder.server("CN=gateway").selfSigned();
        IssuedCertificate other = CertificateBuilder.server("CN=other").selfSigned();
        Path chain = Files.writeString(dir.resolve("server.pem"), server.certificatePem());
        Path key = Files.writeString(dir.resolve("server.key"), server.privateKeyPem());
        Path otherKey = Files.writeString(dir.resolve("other.key"), other.privateKeyPem());

        boolean added = Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null
                && Security.addProvider(new BouncyCastleProvider()) > 0;
        try {
            KeyMaterial material = PemFiles.readKeyMaterial(chain, key, null);
            assertThat(material.privateKey().getAlgorithm()).isEqualTo("ECDSA");
            assertThat(KeyPairs.matches(material.privateKey(), other.certificate().getPublicKey())).isFalse();
            assertThat(KeyPairs.matches(PemFiles.readPrivateKey(otherKey, null), server.certificate().getPublicKey())).isFalse();
        } finally {
            if (added) {
                Security.removeProvider(BouncyCastleProvider.PROVIDER_NAME);
            }
        }
    }
}
