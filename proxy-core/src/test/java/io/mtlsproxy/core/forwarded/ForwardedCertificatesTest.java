package io.mtlsproxy.core.forwarded;

import static io.mtlsproxy.core.forwarded.ForwardedCertificateFormat.ARR_CLIENT_CERT;
import static io.mtlsproxy.core.forwarded.ForwardedCertificateFormat.CLIENT_CERT;
import static io.mtlsproxy.core.forwarded.ForwardedCertificateFormat.ESCAPED_PEM;
import static io.mtlsproxy.core.forwarded.ForwardedCertificateFormat.XFCC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mtlsproxy.core.identity.Thumbprints;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.pki.PemFiles;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ForwardedCertificatesTest {
    private static IssuedCertificate root;
    private static IssuedCertificate issuing;
    private static IssuedCertificate device;

    @BeforeAll
    static void issue() {
        root = CertificateBuilder.ca("CN=Ingress Test Root").selfSigned();
        issuing = CertificateBuilder.ca("CN=Ingress Test Issuing").signedBy(root);
        device = CertificateBuilder.client("CN=kiosk-3,OU=Kiosks,O=Contoso").dns("kiosk-3.contoso.com").signedBy(issuing);
    }

    private static X509Certificate leaf() {
        return device.certificate();
    }

    private static String base64(X509Certificate cert) throws Exception {
        return Base64.getEncoder().encodeToString(cert.getEncoded());
    }

    /** nginx's $ssl_client_escaped_cert: the PEM, every byte but unreserved ones percent-encoded. */
    private static String escaped(String pem) {
        return PercentEncoding.encodeComponent(pem);
    }

    private static ForwardedCertificateException refusal(ForwardedCertificateFormat format, String value, String chain) {
        ForwardedCertificateException e = catchThrowableOfType(ForwardedCertificateException.class,
                () -> ForwardedCertificates.parse(format, value, chain));
        assertThat(e).as("refused").isNotNull();
        return e;
    }

    // --- App Service X-ARR-ClientCert

    @Test
    void arrHeaderIsTheLeafAsBase64Der() throws Exception {
        assertThat(ForwardedCertificates.parse(ARR_CLIENT_CERT, base64(leaf()), null)).containsExactly(leaf());
        assertThat(ForwardedCertificates.parse(ARR_CLIENT_CERT, "  " + base64(leaf()) + "\t", null)).containsExactly(leaf());
    }

    @Test
    void arrHeaderWithoutPaddingIsStillTheCertificate() throws Exception {
        String b64 = base64(leaf());
        String unpadded = b64.replace("=", "");
        assertThat(ForwardedCertificates.parse(ARR_CLIENT_CERT, unpadded, null)).containsExactly(leaf());
    }

    @Test
    void arrHeaderRefusals() throws Exception {
        String b64 = base64(leaf());
        assertThat(refusal(ARR_CLIENT_CERT, "", null).reason()).isEqualTo("missing_certificate");
        assertThat(refusal(ARR_CLIENT_CERT, null, null).reason()).isEqualTo("missing_certificate");
        assertThat(refusal(ARR_CLIENT_CERT, b64.substring(0, 40) + " " + b64.substring(40), null).reason())
                .isEqualTo("malformed_base64");
        assertThat(refusal(ARR_CLIENT_CERT, b64.replace('+', '-'), null).reason()).isIn("malformed_base64", "not_a_certificate");
        assertThat(refusal(ARR_CLIENT_CERT, "QUJD=QUJD", null).reason()).isEqualTo("malformed_base64");
        assertThat(refusal(ARR_CLIENT_CERT, "QUJDR", null).reason()).isEqualTo("malformed_base64");
        assertThat(refusal(ARR_CLIENT_CERT, device.certificatePem(), null).reason()).isEqualTo("malformed_base64");
        assertThat(refusal(ARR_CLIENT_CERT, Base64.getEncoder().encodeToString("hello world".getBytes()), null).reason())
                .isEqualTo("not_a_certificate");
    }

    @Test
    void trailingBytesAfterTheCertificateAreRefused() throws Exception {
        byte[] der = leaf().getEncoded();
        byte[] longer = Arrays.copyOf(der, der.length + 2);
        ForwardedCertificateException e = refusal(ARR_CLIENT_CERT, Base64.getEncoder().encodeToString(longer), null);
        assertThat(e.reason()).isEqualTo("not_a_certificate");
        assertThat(e.getMessage()).contains("2 bytes after the certificate");

        byte[] shorter = Arrays.copyOf(der, der.length - 1);
        assertThat(refusal(ARR_CLIENT_CERT, Base64.getEncoder().encodeToString(shorter), null).reason())
                .isEqualTo("not_a_certificate");
    }

    @Test
    void twoCertificatesWhereOneIsMeantAreRefused() throws Exception {
        byte[] a = leaf().getEncoded();
        byte[] b = issuing.certificate().getEncoded();
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        assertThat(refusal(ARR_CLIENT_CERT, Base64.getEncoder().encodeToString(both), null).reason())
                .isEqualTo("not_a_certificate");
        assertThat(refusal(ESCAPED_PEM, escaped(device.certificatePem() + issuing.certificatePem()), null).reason())
                .isEqualTo("too_many_certificates");
    }

    @Test
    void aSignatureThatIsNotDerButParsesIsStillACertificateOnlyIfTheJdkAgrees() throws Exception {
        byte[] der = leaf().getEncoded();
        byte[] broken = der.clone();
        broken[broken.length / 2] ^= (byte) 0xff; // the length stays right; the content is garbage
        ForwardedCertificateException e = catchThrowableOfType(ForwardedCertificateException.class,
                () -> ForwardedCertificates.parse(ARR_CLIENT_CERT, Base64.getEncoder().encodeToString(broken), null));
        if (e != null) {
            assertThat(e.reason()).isEqualTo("not_a_certificate");
        } // else the flip landed in the signature bytes: parsing succeeds, and policy refuses the signature
    }

    // --- nginx escaped PEM

    @Test
    void escapedPemIsTheLeaf() throws Exception {
        String value = escaped(device.certificatePem());
        assertThat(value).startsWith("-----BEGIN%20CERTIFICATE-----%0AMII");
        assertThat(ForwardedCertificates.parse(ESCAPED_PEM, value, null)).containsExactly(leaf());
    }

    @Test
    void escapedPemWithCrLfAndRawPlusAndSlashIsAccepted() throws Exception {
        String pem = CertificateText.pem(leaf()).replace("\n", "\r\n");
        String value = pem.replace("\r", "%0D").replace("\n", "%0A").replace(" ", "%20"); // '+' '/' '=' left raw
        assertThat(ForwardedCertificates.parse(ESCAPED_PEM, value, null)).containsExactly(leaf());
    }

    @Test
    void escapedPemRefusals() throws Exception {
        String pem = device.certificatePem();
        assertThat(refusal(ESCAPED_PEM, escaped(pem).replace("%0A", "%0"), null).reason()).isIn("malformed_url_encoding", "malformed_pem");
        assertThat(refusal(ESCAPED_PEM, escaped(pem) + "%G1", null).reason()).isEqualTo("malformed_url_encoding");
        assertThat(refusal(ESCAPED_PEM, escaped(pem) + "%", null).reason()).isEqualTo("malformed_url_encoding");
        assertThat(refusal(ESCAPED_PEM, escaped("junk\n" + pem), null).reason()).isEqualTo("malformed_pem");
        assertThat(refusal(ESCAPED_PEM, escaped(pem + "junk"), null).reason()).isEqualTo("malformed_pem");
        assertThat(refusal(ESCAPED_PEM, escaped(pem.replace("-----END CERTIFICATE-----", "")), null).reason())
                .isEqualTo("malformed_pem");
        assertThat(refusal(ESCAPED_PEM, escaped(device.privateKeyPem()), null).reason()).isEqualTo("malformed_pem");
        assertThat(refusal(ESCAPED_PEM, escaped(pem.replace("MII", "M*I")), null).reason()).isEqualTo("malformed_pem");
        assertThat(refusal(ESCAPED_PEM, escaped(pem.replace("MII", "MI\u00e9I")), null).reason()).isEqualTo("malformed_pem");
        assertThat(refusal(ESCAPED_PEM, escaped("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), null).reason())
                .isEqualTo("malformed_pem");
        assertThat(refusal(ESCAPED_PEM, escaped("-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n"), null)
                .reason()).isEqualTo("not_a_certificate");
        assertThat(refusal(ESCAPED_PEM, "%0A%20", null).reason()).isEqualTo("missing_certificate");
    }

    // --- Envoy XFCC

    private static String pemOf(List<X509Certificate> chain) {
        StringBuilder pem = new StringBuilder();
        chain.forEach(c -> pem.append(CertificateText.pem(c)));
        return pem.toString();
    }

    @Test
    void xfccCertOfTheLastElementIsTheLeaf() throws Exception {
        String ours = "Hash=" + Thumbprints.sha256Hex(leaf()) + ";Cert=\"" + escaped(device.certificatePem())
                + "\";Subject=\"CN=kiosk-3,OU=Kiosks,O=Contoso\";URI=;DNS=kiosk-3.contoso.com";
        String earlier = "By=spiffe://cluster.local/ns/a/sa/b;Hash=abc;Subject=\"\";URI=spiffe://cluster.local/x";
        assertThat(ForwardedCertificates.parse(XFCC, ours, null)).containsExactly(leaf());
        assertThat(ForwardedCertificates.parse(XFCC, earlier + "," + ours, null)).containsExactly(leaf());
        assertThat(ForwardedCertificates.parse(XFCC, earlier + ", " + ours, null)).containsExactly(leaf());
    }

    @Test
    void xfccChainOfTheLastElementIsTheChain() throws Exception {
        List<X509Certificate> presented = device.presentedChain();
        String value = "Hash=" + Thumbprints.sha256Hex(leaf()) + ";Cert=\"" + escaped(device.certificatePem())
                + "\";Chain=\"" + escaped(pemOf(presented)) + "\"";
        assertThat(ForwardedCertificates.parse(XFCC, value, null)).containsExactlyElementsOf(presented);
        // Chain alone is enough: its first certificate is the leaf
        assertThat(ForwardedCertificates.parse(XFCC, "Chain=\"" + escaped(pemOf(presented)) + "\"", null))
                .containsExactlyElementsOf(presented);
        // keys are case-insensitive, as Envoy says
        assertThat(ForwardedCertificates.parse(XFCC, "cert=\"" + escaped(device.certificatePem()) + "\"", null))
                .containsExactly(leaf());
    }

    @Test
    void xfccOnlyTheNearestElementCounts() throws Exception {
        String withCert = "Cert=\"" + escaped(device.certificatePem()) + "\"";
        // the farthest element carries a certificate, the nearest does not: nothing is taken from the farthest
        ForwardedCertificateException e = refusal(XFCC, withCert + ",By=spiffe://x;Hash=abc;URI=", null);
        assertThat(e.reason()).isEqualTo("missing_certificate");
    }

    @Test
    void xfccRefusals() throws Exception {
        String cert = "Cert=\"" + escaped(device.certificatePem()) + "\"";
        String otherCert = "Cert=\"" + escaped(issuing.certificatePem()) + "\"";
        assertThat(refusal(XFCC, cert + ";" + otherCert, null).reason()).isEqualTo("malformed_xfcc");
        assertThat(refusal(XFCC, "Hash=" + "0".repeat(64) + ";" + cert, null).reason()).isEqualTo("malformed_xfcc");
        assertThat(refusal(XFCC, cert + ";Chain=\"" + escaped(pemOf(issuing.presentedChain())) + "\"", null).reason())
                .isEqualTo("malformed_xfcc");
        assertThat(refusal(XFCC, cert.substring(0, cert.length() - 1), null).reason()).isEqualTo("malformed_xfcc");
        assertThat(refusal(XFCC, cert + ",", null).reason()).isEqualTo("malformed_xfcc");
        assertThat(refusal(XFCC, cert + ";;Hash=a", null).reason()).isEqualTo("malformed_xfcc");
        assertThat(refusal(XFCC, cert + "x", null).reason()).isEqualTo("malformed_xfcc");
        assertThat(refusal(XFCC, "Cert", null).reason()).isEqualTo("malformed_xfcc");
        assertThat(refusal(XFCC, "=abc", null).reason()).isEqualTo("malformed_xfcc");
        assertThat(refusal(XFCC, "Cert=\"" + escaped("garbage") + "\"", null).reason()).isEqualTo("malformed_pem");
        assertThat(refusal(XFCC, "By=spiffe://a;Hash=abc", null).reason()).isEqualTo("missing_certificate");
    }

    @Test
    void xfccChainBound() {
        List<X509Certificate> many = new ArrayList<>();
        many.add(leaf());
        for (int i = 0; i < ForwardedCertificates.MAX_CHAIN_CERTIFICATES + 1; i++) {
            many.add(issuing.certificate());
        }
        assertThat(refusal(XFCC, "Chain=\"" + escaped(pemOf(many)) + "\"", null).reason()).isEqualTo("too_many_certificates");
        // exactly the bound is fine
        List<X509Certificate> enough = many.subList(0, ForwardedCertificates.MAX_CHAIN_CERTIFICATES + 1);
        assertThat(catchThrowableOfType(ForwardedCertificateException.class,
                () -> ForwardedCertificates.parse(XFCC, "Chain=\"" + escaped(pemOf(enough)) + "\"", null))).isNull();
    }

    // --- RFC 9440

    @Test
    void rfc9440AppendixExampleReadsAsItsChain() throws Exception {
        List<X509Certificate> chain = Rfc9440Vectors.chain();
        assertThat(chain).hasSize(3);

        assertThat(ForwardedCertificates.parse(CLIENT_CERT, Rfc9440Vectors.clientCert(), null)).containsExactly(chain.get(0));
        assertThat(ForwardedCertificates.parse(CLIENT_CERT, Rfc9440Vectors.clientCert(), Rfc9440Vectors.clientCertChain()))
                .containsExactlyElementsOf(chain);
        assertThat(chain.get(0).getSubjectX500Principal().getName()).isEqualTo("CN=BC");
    }

    @Test
    void clientCertRoundTripWithGeneratedChain() throws Exception {
        String leafValue = ":" + base64(leaf()) + ":";
        String chainValue = ":" + base64(issuing.certificate()) + ":,:" + base64(root.certificate()) + ":";
        assertThat(ForwardedCertificates.parse(CLIENT_CERT, leafValue, chainValue))
                .containsExactly(leaf(), issuing.certificate(), root.certificate());
        assertThat(ForwardedCertificates.parse(CLIENT_CERT, " " + leafValue + " ", "")).containsExactly(leaf());
    }

    @Test
    void clientCertRefusals() throws Exception {
        String b64 = base64(leaf());
        assertThat(refusal(CLIENT_CERT, b64, null).reason()).isEqualTo("malformed_structured_field");
        assertThat(refusal(CLIENT_CERT, ":" + b64, null).reason()).isEqualTo("malformed_structured_field");
        assertThat(refusal(CLIENT_CERT, ":" + b64 + ":;a=1", null).reason()).isEqualTo("malformed_structured_field");
        assertThat(refusal(CLIENT_CERT, ":" + b64 + ":, :" + b64 + ":", null).reason()).isEqualTo("malformed_structured_field");
        assertThat(refusal(CLIENT_CERT, "::", null).reason()).isEqualTo("missing_certificate");
        assertThat(refusal(CLIENT_CERT, ":" + b64.replace('+', '-').replace('/', '_') + ":", null).reason())
                .isIn("malformed_base64", "not_a_certificate");
        String one = ":" + base64(issuing.certificate()) + ":";
        assertThat(refusal(CLIENT_CERT, ":" + b64 + ":", one + ",").reason()).isEqualTo("malformed_structured_field");
        assertThat(refusal(CLIENT_CERT, ":" + b64 + ":", one + " " + one).reason()).isEqualTo("malformed_structured_field");
        assertThat(refusal(CLIENT_CERT, ":" + b64 + ":", one + ",,").reason()).isEqualTo("malformed_structured_field");
        assertThat(refusal(CLIENT_CERT, ":" + b64 + ":", ":aGVsbG8=:").reason()).isEqualTo("not_a_certificate");
        String tooMany = String.join(", ", java.util.Collections.nCopies(ForwardedCertificates.MAX_CHAIN_CERTIFICATES + 1, one));
        assertThat(refusal(CLIENT_CERT, ":" + b64 + ":", tooMany).reason()).isEqualTo("too_many_certificates");
    }

    @Test
    void aRepeatedSingleCertificateHeaderIsRefused() throws Exception {
        String b64 = base64(leaf());
        assertThat(refusal(ARR_CLIENT_CERT, b64 + "," + b64, null).reason()).isEqualTo("malformed_base64");
        String pem = escaped(device.certificatePem());
        assertThat(refusal(ESCAPED_PEM, pem + "," + pem, null).reason()).isEqualTo("malformed_pem");
        assertThat(refusal(CLIENT_CERT, ":" + b64 + ":, :" + b64 + ":", null).reason()).isEqualTo("malformed_structured_field");
    }

    // --- bounds and messages

    @Test
    void oversizedHeadersAreRefusedBeforeDecoding() {
        String big = "A".repeat(ForwardedCertificates.MAX_CERTIFICATE_HEADER + 4);
        assertThat(refusal(ARR_CLIENT_CERT, big, null).reason()).isEqualTo("too_large");
        assertThat(refusal(ESCAPED_PEM, big, null).reason()).isEqualTo("too_large");
        assertThat(refusal(CLIENT_CERT, ":" + big + ":", null).reason()).isEqualTo("too_large");
        assertThat(refusal(CLIENT_CERT, ":QUJD:", "A".repeat(ForwardedCertificates.MAX_CHAIN_HEADER + 1)).reason())
                .isEqualTo("too_large");
        assertThat(refusal(XFCC, "Cert=\"" + "A".repeat(ForwardedCertificates.MAX_CHAIN_HEADER) + "\"", null).reason())
                .isEqualTo("too_large");
        assertThat(refusal(XFCC, "Cert=\"" + "A".repeat(ForwardedCertificates.MAX_CERTIFICATE_HEADER + 1) + "\"", null)
                .reason()).isEqualTo("too_large");
    }

    @Test
    void messagesNeverQuoteTheValue() throws Exception {
        String secretLooking = "c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw";
        List<ForwardedCertificateException> refusals = List.of(
                refusal(ARR_CLIENT_CERT, secretLooking + "!", null),
                refusal(ARR_CLIENT_CERT, secretLooking + "==", null),
                refusal(ESCAPED_PEM, "-----BEGIN%20CERTIFICATE-----%0A" + secretLooking + "%0A", null),
                refusal(XFCC, "Hash=" + secretLooking + ";Cert=\"" + secretLooking, null),
                refusal(XFCC, "Hash=" + secretLooking + ";Cert=" + secretLooking, null),
                refusal(CLIENT_CERT, ":" + secretLooking + ":", ":" + secretLooking + "!:"),
                refusal(CLIENT_CERT, ":" + base64(leaf()) + ":", ":" + secretLooking + "!:"));
        for (ForwardedCertificateException e : refusals) {
            assertThat(e.getMessage()).doesNotContain("c2VjcmV0").startsWith(e.reason() + ": ");
        }
    }

    @Test
    void formatsByConfigName() {
        assertThat(ForwardedCertificateFormat.fromConfigName("arr")).isEqualTo(ARR_CLIENT_CERT);
        assertThat(ForwardedCertificateFormat.fromConfigName(" XFCC ")).isEqualTo(XFCC);
        assertThat(ForwardedCertificateFormat.fromConfigName("escaped-pem")).isEqualTo(ESCAPED_PEM);
        assertThat(ForwardedCertificateFormat.fromConfigName("client-cert")).isEqualTo(CLIENT_CERT);
        assertThatThrownBy(() -> ForwardedCertificateFormat.fromConfigName("pem"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'pem' is not one of arr, xfcc, escaped-pem, client-cert");
        assertThat(ARR_CLIENT_CERT.defaultHeader()).isEqualTo("x-arr-clientcert");
        assertThat(XFCC.defaultHeader()).isEqualTo("x-forwarded-client-cert");
        assertThat(ESCAPED_PEM.defaultHeader()).isEqualTo("x-ssl-client-cert");
        assertThat(CLIENT_CERT.defaultHeader()).isEqualTo("client-cert");
        assertThat(CLIENT_CERT.chainHeader()).isEqualTo("client-cert-chain");
        assertThat(XFCC.chainHeader()).isNull();
    }

    @Test
    void pemWrittenHereIsWhatOpensslWrites() throws Exception {
        // PemFiles (BouncyCastle's writer) and OpenSSL agree on the layout; ours must too, for XFCC Cert=
        assertThat(CertificateText.pem(leaf())).isEqualTo(device.certificatePem().replace("\r\n", "\n"));
        assertThat(PemFiles.parseCertificates(CertificateText.pem(leaf()).getBytes(), "pem")).containsExactly(leaf());
    }
}
