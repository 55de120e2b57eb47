package io.mtlsproxy.core.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.math.BigInteger;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.bouncycastle.util.io.pem.PemObject;

class PemFilesTest {
    private static final char[] PASSWORD = "correct horse".toCharArray();
    /** Only to write encrypted test keys; PemFiles must read them with nothing registered. */
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private static IssuedCertificate issuing;
    private static IssuedCertificate ecServer;
    private static IssuedCertificate rsaServer;

    @TempDir
    Path dir;

    @BeforeAll
    static void issue() {
        IssuedCertificate root = CertificateBuilder.ca("CN=Test Root").selfSigned();
        issuing = CertificateBuilder.ca("CN=Test Issuing").signedBy(root);
        ecServer = CertificateBuilder.server("CN=gateway.contoso.com").dns("gateway.contoso.com").signedBy(issuing);
        rsaServer = CertificateBuilder.server("CN=gateway-rsa.contoso.com").keyPair(KeyPairs.rsa(2048)).signedBy(issuing);
    }

    @Test
    void readsPkcs8EcKeyWithItsChain() throws Exception {
        Path chain = write("server.pem", ecServer.presentedChainPem());
        Path key = write("server.key", ecServer.privateKeyPem());
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");

        KeyMaterial material = PemFiles.readKeyMaterial(chain, key, null);

        assertThat(material.privateKey().getEncoded()).isEqualTo(ecServer.keyPair().getPrivate().getEncoded());
        assertThat(material.chain()).containsExactly(ecServer.certificate(), issuing.certificate());
        assertThat(material.certificate()).isEqualTo(ecServer.certificate());
    }

    @Test
    void readsPkcs1RsaKey() throws Exception {
        Path key = write("rsa.key", pem(rsaServer.keyPair()));
        assertThat(Files.readString(key)).startsWith("-----BEGIN RSA PRIVATE KEY-----");

        KeyMaterial material = PemFiles.readKeyMaterial(write("rsa.pem", rsaServer.presentedChainPem()), key, null);

        assertThat(material.privateKey().getAlgorithm()).isEqualTo("RSA");
        assertThat(material.privateKey().getEncoded()).isEqualTo(rsaServer.keyPair().getPrivate().getEncoded());
    }

    @Test
    void readsSec1EcKey() throws Exception {
        Path key = write("ec.key", sec1(ecServer.keyPair(), true));
        assertThat(Files.readString(key)).startsWith("-----BEGIN EC PRIVATE KEY-----");

        KeyMaterial material = PemFiles.readKeyMaterial(write("ec.pem", ecServer.presentedChainPem()), key, null);

        assertSameKey(material.privateKey(), ecServer.keyPair().getPrivate());
    }

    @Test
    void readsSec1EcKeyWithoutItsOptionalPublicKey() throws Exception {
        Path key = write("ec.key", sec1(ecServer.keyPair(), false));

        KeyMaterial material = PemFiles.readKeyMaterial(write("ec.pem", ecServer.presentedChainPem()), key, null);

        assertSameKey(material.privateKey(), ecServer.keyPair().getPrivate());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "ec-pkcs8.pem", "ec-sec1.pem", "ec-sec1-no-public.pem", "ec-pkcs8-aes256-sha256.pem", "ec-pkcs8-aes256-sha1.pem",
        "ec-pkcs8-scrypt.pem", "ec-pkcs8-3des.pem", "ec-sec1-aes256.pem", "rsa-pkcs1.pem", "rsa-pkcs1-aes256.pem",
    })
    void readsKeysAsOpensslWritesThem(String name) throws Exception {
        Path key = write(name, OpensslKeyFixtures.KEYS.get(name));
        Path plain = write("plain-" + name, OpensslKeyFixtures.KEYS.get(name.startsWith("rsa") ? "rsa-pkcs1.pem" : "ec-pkcs8.pem"));

        PrivateKey read = PemFiles.readPrivateKey(key, OpensslKeyFixtures.PASSPHRASE.toCharArray());

        assertThat(read.getAlgorithm()).isEqualTo(name.startsWith("rsa") ? "RSA" : "EC");
        assertSameKey(read, PemFiles.readPrivateKey(plain, null));
    }

    @Test
    void opensslEncryptedKeyWithWrongPasswordIsRefused() throws Exception {
        for (String name : List.of("ec-pkcs8-aes256-sha256.pem", "ec-sec1-aes256.pem", "rsa-pkcs1-aes256.pem")) {
            String pem = OpensslKeyFixtures.KEYS.get(name);
            Path key = write(name, pem);
            // refused because of the password, not because the cipher is missing
            assertThat(PemFiles.readPrivateKey(key, OpensslKeyFixtures.PASSPHRASE.toCharArray())).isNotNull();

            assertRefusedWithoutKeyMaterial(() -> PemFiles.readPrivateKey(key, "wrong".toCharArray()), key, pem)
                    .hasMessageContaining("cannot be read");
        }
    }

    @Test
    void readsEncryptedPkcs8KeyWithItsPassword() throws Exception {
        Path key = write("enc.key", encryptedPkcs8(ecServer.keyPair().getPrivate()));
        assertThat(Files.readString(key)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");

        PrivateKey read = PemFiles.readPrivateKey(key, PASSWORD);

        assertThat(read.getEncoded()).isEqualTo(ecServer.keyPair().getPrivate().getEncoded());
    }

    @Test
    void encryptedPkcs8KeyWithoutPasswordIsRefused() throws Exception {
        String pem = encryptedPkcs8(ecServer.keyPair().getPrivate());
        Path key = write("enc.key", pem);

        assertRefusedWithoutKeyMaterial(() -> PemFiles.readPrivateKey(key, null), key, pem)
                .hasMessageContaining("encrypted and no password");
        assertRefusedWithoutKeyMaterial(() -> PemFiles.readPrivateKey(key, new char[0]), key, pem)
                .hasMessageContaining("encrypted and no password");
    }

    @Test
    void encryptedPkcs8KeyWithWrongPasswordIsRefused() throws Exception {
        String pem = encryptedPkcs8(ecServer.keyPair().getPrivate());
        Path key = write("enc.key", pem);
        assertThat(PemFiles.readPrivateKey(key, PASSWORD)).isNotNull();

        assertRefusedWithoutKeyMaterial(() -> PemFiles.readPrivateKey(key, "wrong".toCharArray()), key, pem)
                .hasMessageContaining("cannot be read")
                .hasMessageNotContaining("correct horse");
    }

    @Test
    void readsEncryptedTraditionalKey() throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(new JcaMiscPEMGenerator(rsaServer.keyPair(),
                    new JcePEMEncryptorBuilder("AES-256-CBC").setProvider(BC).build(PASSWORD)));
        }
        Path key = write("enc-rsa.key", out.toString());
        assertThat(out.toString()).contains("Proc-Type: 4,ENCRYPTED");

        assertThat(PemFiles.readPrivateKey(key, PASSWORD).getEncoded())
                .isEqualTo(rsaServer.keyPair().getPrivate().getEncoded());
        assertThatThrownBy(() -> PemFiles.readPrivateKey(key, null))
                .isInstanceOf(PkiException.class)
                .hasMessageContaining("encrypted and no password");
    }

    @Test
    void keyOfAnotherCertificateIsRefusedNamingTheKeyFile() throws Exception {
        Path chain = write("server.pem", ecServer.presentedChainPem());
        IssuedCertificate other = CertificateBuilder.server("CN=other").signedBy(issuing);
        String pem = other.privateKeyPem();
        Path key = write("other.key", pem);

        assertRefusedWithoutKeyMaterial(() -> PemFiles.readKeyMaterial(chain, key, null), key, pem)
                .hasMessageContaining("does not belong")
                .hasMessageContaining(chain.toString());
    }

    @Test
    void rsaKeyForEcCertificateIsRefused() throws Exception {
        Path chain = write("server.pem", ecServer.presentedChainPem());
        Path key = write("rsa.key", rsaServer.privateKeyPem());

        assertThatThrownBy(() -> PemFiles.readKeyMaterial(chain, key, null))
                .isInstanceOf(PkiException.class)
                .hasMessageStartingWith(key.toString());
    }

    @Test
    void damagedKeyIsRefusedWithoutItsContents() throws Exception {
        String good = ecServer.privateKeyPem();
        String[] lines = good.split("\n");
        lines[1] = "!!" + lines[1].substring(2); // not base64 any more
        String pem = String.join("\n", lines);
        Path key = write("damaged.key", pem);

        assertRefusedWithoutKeyMaterial(() -> PemFiles.readPrivateKey(key, null), key, pem);
    }

    @Test
    void fileWithoutKeyIsRefused() throws Exception {
        Path notAKey = write("cert-only.pem", ecServer.certificatePem());

        assertThatThrownBy(() -> PemFiles.readPrivateKey(notAKey, null))
                .isInstanceOf(PkiException.class)
                .hasMessageContaining(notAKey.toString())
                .hasMessageContaining("no private key found");
    }

    @Test
    void readsCertificateBundleInFileOrder() throws Exception {
        Path bundle = write("bundle.pem", ecServer.presentedChainPem());

        assertThat(PemFiles.readCertificates(bundle)).containsExactly(ecServer.certificate(), issuing.certificate());
    }

    @Test
    void emptyOrMissingCertificateFileIsRefused() throws Exception {
        Path empty = write("empty.pem", "");
        Path missing = dir.resolve("missing.pem");

        assertThatThrownBy(() -> PemFiles.readCertificates(empty))
                .isInstanceOf(PkiException.class)
                .hasMessageContaining(empty.toString())
                .hasMessageContaining("no certificate found");
        assertThatThrownBy(() -> PemFiles.readCertificates(missing))
                .isInstanceOf(PkiException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void readsPkcs12EntryByAlias() throws Exception {
        Path p12 = pkcs12("both.p12", store -> {
            store.setKeyEntry("ec", ecServer.keyPair().getPrivate(), PASSWORD, chainArray(ecServer));
            store.setKeyEntry("rsa", rsaServer.keyPair().getPrivate(), PASSWORD, chainArray(rsaServer));
        });

        KeyMaterial rsa = PemFiles.readPkcs12(p12, PASSWORD, "rsa");
        KeyMaterial ec = PemFiles.readPkcs12(p12, PASSWORD, "ec");

        assertThat(rsa.certificate()).isEqualTo(rsaServer.certificate());
        assertThat(rsa.privateKey().getEncoded()).isEqualTo(rsaServer.keyPair().getPrivate().getEncoded());
        assertThat(ec.chain()).containsExactly(ecServer.certificate(), issuing.certificate());
    }

    @Test
    void readsTheOnlyPkcs12EntryWithoutAlias() throws Exception {
        Path p12 = pkcs12("one.p12", store ->
                store.setKeyEntry("whatever", ecServer.keyPair().getPrivate(), PASSWORD, chainArray(ecServer)));

        assertThat(PemFiles.readPkcs12(p12, PASSWORD, null).certificate()).isEqualTo(ecServer.certificate());
    }

    @Test
    void pkcs12SecretKeyEntriesAreSkipped() throws Exception {
        Path p12 = pkcs12("mixed.p12", store -> {
            store.setEntry("aes", new KeyStore.SecretKeyEntry(new SecretKeySpec(new byte[16], "AES")),
                    new KeyStore.PasswordProtection(PASSWORD));
            store.setKeyEntry("server", ecServer.keyPair().getPrivate(), PASSWORD, chainArray(ecServer));
        });
        Path onlySecret = pkcs12("secret-only.p12", store ->
                store.setEntry("aes", new KeyStore.SecretKeyEntry(new SecretKeySpec(new byte[16], "AES")),
                        new KeyStore.PasswordProtection(PASSWORD)));

        assertThat(PemFiles.readPkcs12(p12, PASSWORD, null).certificate()).isEqualTo(ecServer.certificate());
        assertThatThrownBy(() -> PemFiles.readPkcs12(onlySecret, PASSWORD, null))
                .isInstanceOf(PkiException.class)
                .hasMessageContaining("no private key entry");
    }

    @Test
    void pkcs12WithUnknownAliasIsRefused() throws Exception {
        Path p12 = pkcs12("one.p12", store ->
                store.setKeyEntry("server", ecServer.keyPair().getPrivate(), PASSWORD, chainArray(ecServer)));

        assertThatThrownBy(() -> PemFiles.readPkcs12(p12, PASSWORD, "client"))
                .isInstanceOf(PkiException.class)
                .hasMessageContaining(p12.toString())
                .hasMessageContaining("no private key entry named 'client'");
    }

    @Test
    void pkcs12WithWrongPasswordIsRefused() throws Exception {
        Path p12 = pkcs12("one.p12", store ->
                store.setKeyEntry("server", ecServer.keyPair().getPrivate(), PASSWORD, chainArray(ecServer)));

        assertThatThrownBy(() -> PemFiles.readPkcs12(p12, "wrong".toCharArray(), null))
                .isInstanceOf(PkiException.class)
                .hasMessageContaining(p12.toString())
                .hasMessageContaining("wrong password")
                .hasMessageNotContaining("correct horse");
    }

    // --- helpers

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    /** Same key, whatever the encoding it was read from (SEC1 and PKCS#8 keep different inner structures). */
    private static void assertSameKey(PrivateKey actual, PrivateKey expected) {
        assertThat(actual.getAlgorithm()).isEqualTo(expected.getAlgorithm());
        if (expected instanceof ECPrivateKey ec) {
            assertThat(((ECPrivateKey) actual).getS()).isEqualTo(ec.getS());
            assertThat(((ECPrivateKey) actual).getParams().getCurve()).isEqualTo(ec.getParams().getCurve());
        } else {
            RSAPrivateKey rsa = (RSAPrivateKey) expected;
            assertThat(((RSAPrivateKey) actual).getModulus()).isEqualTo(rsa.getModulus());
            assertThat(((RSAPrivateKey) actual).getPrivateExponent()).isEqualTo(rsa.getPrivateExponent());
        }
    }

    private static String pem(KeyPair pair) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(pair);
        }
        return out.toString();
    }

    private static String encryptedPkcs8(PrivateKey key) throws Exception {
        return PemFiles.toPem(new JcaPKCS8Generator(key,
                new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                        .setPRF(PKCS8Generator.PRF_HMACSHA256)
                        .setProvider(BC)
                        .setPassword(PASSWORD)
                        .build()));
    }

    /** SEC1 ("EC PRIVATE KEY") with the curve, as OpenSSL writes it; a JDK key's own encoding lacks the curve. */
    private static String sec1(KeyPair pair, boolean withPublicKey) {
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded());
        BigInteger s = ((ECPrivateKey) pair.getPrivate()).getS();
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = withPublicKey
                ? new org.bouncycastle.asn1.sec.ECPrivateKey(256, s, spki.getPublicKeyData(), spki.getAlgorithm().getParameters())
                : new org.bouncycastle.asn1.sec.ECPrivateKey(256, s, spki.getAlgorithm().getParameters());
        try {
            return PemFiles.toPem(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate[] chainArray(IssuedCertificate issued) {
        return issued.presentedChain().toArray(X509Certificate[]::new);
    }

    interface StoreFiller {
        void fill(KeyStore store) throws Exception;
    }

    private Path pkcs12(String name, StoreFiller filler) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        filler.fill(store);
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, PASSWORD);
        }
        return file;
    }

    /** The refusal names the key file and repeats no line of the key's base64 body. */
    private static org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> assertRefusedWithoutKeyMaterial(
            ThrowingCallable call, Path keyFile, String keyPem) {
        var refusal = assertThatThrownBy(call).isInstanceOf(PkiException.class).hasMessageStartingWith(keyFile.toString());
        List<String> body = keyPem.lines().filter(line -> !line.startsWith("-----") && !line.contains(":") && !line.isBlank()).toList();
        assertThat(body).isNotEmpty();
        for (String line : body) {
            refusal.hasMessageNotContaining(line);
            refusal.hasMessageNotContaining(line.substring(0, Math.min(16, line.length())));
        }
        return refusal;
    }
}
