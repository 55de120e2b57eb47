package io.mtlsproxy.core.forwarded;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.forwarded.ForwardedCertificateException.Reason;
import io.mtlsproxy.core.identity.Thumbprints;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mutation fuzzing with a fixed seed (repeatable, no Jazzer wiring needed): thousands of damaged headers
 * per format must each give a certificate chain or a {@link ForwardedCertificateException} with a known
 * reason, never another exception, and never a message that quotes the header.
 */
class ForwardedParserRobustnessTest {
    private static final int ROUNDS = 1500;
    private static final String INTERESTING = "=;,\"\\:% \t\r\n\u0000\u00ff-+/ABCabc0129";
    private static final Set<String> REASONS = Arrays.stream(Reason.values()).map(Reason::code).collect(Collectors.toSet());
    private static IssuedCertificate device;

    @BeforeAll
    static void issue() {
        IssuedCertificate root = CertificateBuilder.ca("CN=Fuzz Root").selfSigned();
        IssuedCertificate issuing = CertificateBuilder.ca("CN=Fuzz Issuing").signedBy(root);
        device = CertificateBuilder.client("CN=fuzz,O=Contoso").dns("fuzz.example").signedBy(issuing);
    }

    @Test
    void damagedHeadersNeverEscapeAsOtherExceptions() throws Exception {
        X509Certificate leaf = device.certificate();
        String b64 = Base64.getEncoder().encodeToString(leaf.getEncoded());
        String b64Issuing = Base64.getEncoder().encodeToString(device.chain().get(1).getEncoded());
        String escaped = PercentEncoding.encodeComponent(device.certificatePem());
        String xfcc = "By=spiffe://a;Hash=aa;URI=,Hash=" + Thumbprints.sha256Hex(leaf) + ";Cert=\"" + escaped
                + "\";Chain=\"" + PercentEncoding.encodeComponent(device.presentedChainPem()) + "\";Subject=\"CN=fuzz,O=Contoso\";URI=;DNS=fuzz.example";

        Random random = new Random(20261202L);
        check(random, ForwardedCertificateFormat.ARR_CLIENT_CERT, b64, null);
        check(random, ForwardedCertificateFormat.ESCAPED_PEM, escaped, null);
        check(random, ForwardedCertificateFormat.XFCC, xfcc, null);
        check(random, ForwardedCertificateFormat.CLIENT_CERT, ":" + b64 + ":", ":" + b64Issuing + ":, :" + b64Issuing + ":");
    }

    private static void check(Random random, ForwardedCertificateFormat format, String value, String chain) throws Exception {
        assertThat(ForwardedCertificates.parse(format, value, chain)).isNotEmpty(); // the undamaged value reads
        int refused = 0;
        for (int round = 0; round < ROUNDS; round++) {
            boolean damageChain = chain != null && random.nextInt(3) == 0;
            String v = damageChain ? value : mutate(random, value);
            String c = damageChain ? mutate(random, chain) : chain;
            try {
                List<X509Certificate> certs = ForwardedCertificates.parse(format, v, c);
                assertThat(certs).isNotEmpty().doesNotContainNull();
            } catch (ForwardedCertificateException e) {
                refused++;
                assertThat(REASONS).contains(e.reason());
                assertThat(e.getMessage()).startsWith(e.reason() + ": ");
                assertThat(quotes(e.getMessage(), v) || (c != null && quotes(e.getMessage(), c)))
                        .as("message quotes the header: " + e.getMessage()).isFalse();
            }
        }
        assertThat(refused).as(format + " refusals").isGreaterThan(ROUNDS / 2);
    }

    /** Whether the message holds 20 characters in a row of the value's base64 body. */
    private static boolean quotes(String message, String value) {
        for (int i = 0; i + 20 <= value.length(); i += 7) {
            String window = value.substring(i, i + 20);
            if (window.chars().allMatch(ch -> CertificateText.isBase64((char) ch)) && message.contains(window)) {
                return true;
            }
        }
        return false;
    }

    private static String mutate(Random random, String value) {
        StringBuilder s = new StringBuilder(value);
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && !s.isEmpty(); e++) {
            int at = random.nextInt(s.length());
            switch (random.nextInt(6)) {
                case 0 -> s.setCharAt(at, INTERESTING.charAt(random.nextInt(INTERESTING.length())));
                case 1 -> s.insert(at, INTERESTING.charAt(random.nextInt(INTERESTING.length())));
                case 2 -> s.delete(at, Math.min(s.length(), at + 1 + random.nextInt(40)));
                case 3 -> s.setLength(at);
                case 4 -> s.insert(at, s.substring(at, Math.min(s.length(), at + 1 + random.nextInt(60))));
                default -> s.setCharAt(at, (char) (s.charAt(at) ^ (1 << random.nextInt(7))));
            }
        }
        return s.toString();
    }

    @Test
    void randomTextIsNeverAnXfccSurprise() {
        Random random = new Random(7L);
        for (int round = 0; round < 5000; round++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                s.append(INTERESTING.charAt(random.nextInt(INTERESTING.length())));
            }
            try {
                List<XfccElement> elements = Xfcc.parse(s.toString());
                assertThat(elements).isNotEmpty();
                // whatever parsed writes back to something that parses to the same elements
                assertThat(Xfcc.parse(Xfcc.format(elements))).isEqualTo(elements);
            } catch (ForwardedCertificateException e) {
                assertThat(e.reason()).isEqualTo("malformed_xfcc");
            }
        }
    }
}
