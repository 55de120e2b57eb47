package io.mtlsproxy.policy.rules;

import static io.mtlsproxy.policy.rules.RulesPki.client;
import static io.mtlsproxy.policy.rules.RulesPki.identity;
import static io.mtlsproxy.policy.rules.RulesPki.intermediate;
import static io.mtlsproxy.policy.rules.RulesPki.root;
import static io.mtlsproxy.policy.rules.RulesPki.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.pki.KeyPairs;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;

/** Key strength, signature algorithms and chain depth over the whole presented chain. */
class StructuralChecksTest {
    private static final KeyPair RSA_1024 = KeyPairs.rsa(1024);
    private static final KeyPair RSA_2048 = KeyPairs.rsa(2048);

    private final KeyStrengthCheck baselineKeys = new KeyStrengthCheck(KeyStrengthCheck.NAME, 2048, 256);
    private final SignatureAlgorithmCheck noSha1 = new SignatureAlgorithmCheck(SignatureAlgorithmCheck.NAME, List.of("SHA1", "MD5"));
    private final IssuedCertificate root = root("CN=Root");

    private static KeyPair bouncyCastleEc(String curve) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", new BouncyCastleProvider());
        generator.initialize(new ECGenParameterSpec(curve));
        return generator.generateKeyPair();
    }

    @Test
    void refusesAnRsa1024LeafAndPassesRsa2048AndP256() {
        CheckResult weak = run(baselineKeys, client("CN=weak").keyPair(RSA_1024).signedBy(root));

        assertThat(weak.reason()).isEqualTo(RejectReason.WEAK_KEY);
        assertThat(weak.detail()).isEqualTo("leaf 'CN=weak' has a 1024-bit RSA key (at least 2048 required)");
        assertThat(run(baselineKeys, client("CN=rsa").keyPair(RSA_2048).signedBy(root)).passed()).isTrue();
        assertThat(run(baselineKeys, client("CN=ec").keyPair(KeyPairs.ecP256()).signedBy(root)).passed()).isTrue();
    }

    @Test
    void refusesAP192Leaf() throws Exception {
        CheckResult result = run(baselineKeys, client("CN=p192").keyPair(bouncyCastleEc("secp192r1")).signedBy(root));

        assertThat(result.reason()).isEqualTo(RejectReason.WEAK_KEY);
        assertThat(result.detail()).contains("a 192-bit EC key (at least 256 required)");
        assertThat(run(baselineKeys, client("CN=p384").keyPair(bouncyCastleEc("secp384r1")).signedBy(root)).passed()).isTrue();
    }

    @Test
    void judgesEveryKeyOfThePresentedChain() {
        IssuedCertificate weakRoot = CertificateBuilder.ca("CN=Weak Root").keyPair(RSA_1024).selfSigned();
        IssuedCertificate weakIssuing = CertificateBuilder.ca("CN=Weak Issuing").keyPair(RSA_1024).signedBy(root);
        IssuedCertificate device = client("CN=dev").signedBy(weakIssuing);

        CheckResult result = run(baselineKeys, device);

        assertThat(result.reason()).isEqualTo(RejectReason.WEAK_KEY);
        assertThat(result.detail()).startsWith("chain[1] 'CN=Weak Issuing' has a 1024-bit RSA key");
        assertThat(run(baselineKeys, client("CN=dev").signedBy(weakRoot)).passed())
                .as("an anchor that is not presented is the operator's choice").isTrue();
        assertThat(run(baselineKeys, identity(client("CN=dev").signedBy(weakRoot).chain())).reason())
                .as("a presented root's key counts").isEqualTo(RejectReason.WEAK_KEY);
    }

    @Test
    void aBoundOfZeroLeavesThatKeyTypeAlone() {
        IssuedCertificate rsa3072Root = CertificateBuilder.ca("CN=RSA Root").keyPair(KeyPairs.rsa(3072)).selfSigned();
        KeyStrengthCheck rsaOnly = new KeyStrengthCheck("minRsaBits", 3072, 0);

        assertThat(run(rsaOnly, client("CN=ec").signedBy(root)).passed()).isTrue();
        assertThat(run(rsaOnly, client("CN=rsa").keyPair(RSA_2048).signedBy(rsa3072Root)).reason()).isEqualTo(RejectReason.WEAK_KEY);
        assertThat(run(new KeyStrengthCheck("minEcBits", 0, 384), client("CN=ec").signedBy(root)).detail())
                .isEqualTo("leaf 'CN=ec' has a 256-bit EC key (at least 384 required)");
    }

    @Test
    void refusesASha1SignedLeaf() {
        IssuedCertificate rsaRoot = CertificateBuilder.ca("CN=RSA Root").keyPair(RSA_2048).selfSigned();
        IssuedCertificate sha1 = client("CN=old").signatureAlgorithm("SHA1withRSA").signedBy(rsaRoot);

        CheckResult result = run(noSha1, sha1);

        assertThat(result.reason()).isEqualTo(RejectReason.WEAK_SIGNATURE);
        assertThat(result.detail()).isEqualTo("leaf 'CN=old' is signed with SHA1withRSA (1.2.840.113549.1.1.5), which is forbidden ('SHA1')");
        assertThat(run(noSha1, client("CN=new").signedBy(rsaRoot)).passed()).isTrue();
        assertThat(run(noSha1, client("CN=ec").signatureAlgorithm("SHA1withECDSA").signedBy(root)).reason())
                .isEqualTo(RejectReason.WEAK_SIGNATURE);
    }

    @Test
    void matchesByDigestSignatureNameOrOid() {
        IssuedCertificate rsaRoot = CertificateBuilder.ca("CN=RSA Root").keyPair(RSA_2048).selfSigned();
        IssuedCertificate sha1 = client("CN=old").signatureAlgorithm("SHA1withRSA").signedBy(rsaRoot);

        for (String entry : List.of("sha-1", "SHA1withRSA", "1.2.840.113549.1.1.5")) {
            assertThat(run(new SignatureAlgorithmCheck("s", List.of(entry)), sha1).reason()).as(entry).isEqualTo(RejectReason.WEAK_SIGNATURE);
        }
        assertThat(run(new SignatureAlgorithmCheck("s", List.of("SHA1withECDSA", "MD5", "1.2.840.10045.4.1")), sha1).passed()).isTrue();
        assertThat(run(new SignatureAlgorithmCheck("s", List.of()), sha1).passed()).isTrue();
        assertThatThrownBy(() -> new SignatureAlgorithmCheck("s", List.of("SHA 1; MD5"))).hasMessageContaining("'SHA 1; MD5' is neither");
    }

    @Test
    void judgesIntermediatesButNotAPresentedRootsSelfSignature() {
        IssuedCertificate rsaRoot = CertificateBuilder.ca("CN=Old Root").keyPair(RSA_2048).signatureAlgorithm("SHA1withRSA").selfSigned();
        IssuedCertificate sha1Issuing = CertificateBuilder.ca("CN=Old Issuing").keyPair(RSA_2048).signatureAlgorithm("SHA1withRSA")
                .signedBy(rsaRoot);
        IssuedCertificate modernIssuing = CertificateBuilder.ca("CN=New Issuing").signatureAlgorithm("SHA256withRSA").signedBy(rsaRoot);

        assertThat(run(noSha1, client("CN=dev").signedBy(sha1Issuing)).detail()).startsWith("chain[1] 'CN=Old Issuing' is signed with SHA1withRSA");
        assertThat(run(noSha1, identity(client("CN=dev").signedBy(modernIssuing).chain())).passed())
                .as("the root sent along is signed with SHA-1 by itself; nobody relies on that").isTrue();
    }

    @Test
    void aSelfSignedSha1LeafIsNoAnchorAndIsJudged() {
        IssuedCertificate selfSigned = client("CN=self").keyPair(RSA_2048).signatureAlgorithm("SHA1withRSA").selfSigned();

        assertThat(run(noSha1, selfSigned).reason()).isEqualTo(RejectReason.WEAK_SIGNATURE);
    }

    @Test
    void limitsTheChainDepthWithoutCountingAPresentedRoot() {
        IssuedCertificate a = intermediate("CN=A", root);
        IssuedCertificate b = intermediate("CN=B", a);
        IssuedCertificate device = client("CN=dev").signedBy(b);
        ChainDepthCheck three = new ChainDepthCheck(ChainDepthCheck.NAME, 3);
        ChainDepthCheck two = new ChainDepthCheck(ChainDepthCheck.NAME, 2);

        assertThat(run(three, device).passed()).isTrue();
        assertThat(run(three, identity(device.chain())).passed()).as("with the root sent along").isTrue();
        CheckResult tooLong = run(two, device);
        assertThat(tooLong.reason()).isEqualTo(RejectReason.CHAIN_TOO_LONG);
        assertThat(tooLong.detail()).isEqualTo("3 certificates below the anchor, at most 2 allowed");
        List<X509Certificate> padded = new ArrayList<>(device.chain());
        padded.add(client("CN=filler").signedBy(root).certificate());
        assertThat(run(three, identity(padded)).reason()).as("a non-root at the end counts").isEqualTo(RejectReason.CHAIN_TOO_LONG);
        assertThatThrownBy(() -> new ChainDepthCheck("d", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void edDsaKeysPass() throws Exception {
        IssuedCertificate edLeaf = client("CN=ed").keyPair(KeyPairGenerator.getInstance("Ed25519").generateKeyPair()).signedBy(root);

        assertThat(run(baselineKeys, edLeaf).passed()).isTrue();
    }

    @Test
    void aKeyThatCannotBeSizedIsRefused() throws Exception {
        SubjectPublicKeyInfo unknownKey = new SubjectPublicKeyInfo(
                new AlgorithmIdentifier(new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.7")), new byte[32]);
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(X500Name.getInstance(
                root.certificate().getSubjectX500Principal().getEncoded()), BigInteger.ONE,
                Date.from(RulesPki.NOW.minus(Duration.ofDays(1))), Date.from(RulesPki.NOW.plus(Duration.ofDays(1))),
                new X500Name("CN=odd"), unknownKey);
        X509Certificate odd = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(root.keyPair().getPrivate())));

        CheckResult result = run(baselineKeys, identity(List.of(odd)));

        assertThat(result.reason()).isEqualTo(RejectReason.WEAK_KEY);
        assertThat(result.detail()).contains("key this gateway cannot size");
    }

    @Test
    void detailsNameTheBounds() {
        assertThat(run(baselineKeys, client("CN=ec").signedBy(root)).detail())
                .isEqualTo("every key of the chain meets RSA >= 2048 bits, EC >= 256 bits");
        assertThat(run(noSha1, client("CN=ec").signedBy(root)).detail()).isEqualTo("no signature of the chain uses SHA1, MD5");
    }
}
