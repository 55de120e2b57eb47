package io.mtlsproxy.core.forwarded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.config.IdentityHeadersConfig;
import io.mtlsproxy.core.config.SigningConfig;
import io.mtlsproxy.core.config.XfccMode;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IdentityHeadersTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static IssuedCertificate root;
    private static IssuedCertificate issuing;
    private static IssuedCertificate device;
    private static ClientIdentity identity;

    @BeforeAll
    static void issue() throws Exception {
        root = CertificateBuilder.ca("CN=Headers Test Root").selfSigned();
        issuing = CertificateBuilder.ca("CN=Headers Test Issuing,O=Contoso").signedBy(root);
        device = CertificateBuilder.client("CN=kiosk-9,OU=Kiosks,O=Contoso")
                .dns("kiosk-9.contoso.com", "kiosk-9.local").uri("spiffe://contoso.com/kiosk/9").signedBy(issuing);
        identity = ClientIdentity.of(device.presentedChain());
    }

    private static IdentityHeadersConfig config(XfccMode mode, List<String> fields, boolean clientCert, boolean chain,
            boolean simple) {
        return new IdentityHeadersConfig(mode, fields, clientCert, chain, simple, null);
    }

    private static Map<String, String> byName(List<IdentityHeaders.Header> headers) {
        return headers.stream().collect(Collectors.toMap(IdentityHeaders.Header::name, IdentityHeaders.Header::value));
    }

    private static List<String> names(List<IdentityHeaders.Header> headers) {
        return headers.stream().map(IdentityHeaders.Header::name).toList();
    }

    @Test
    void defaultsAreTheSimpleHeadersOnly() {
        IdentityHeaders writer = IdentityHeaders.of(IdentityHeadersConfig.defaults(), null, null);
        List<IdentityHeaders.Header> headers = writer.headersFor(identity, null, "Hash=abc", "GET", "/x", NOW);

        assertThat(names(headers)).containsExactly("x-client-subject", "x-client-issuer", "x-client-sha256", "x-client-serial");
        Map<String, String> values = byName(headers);
        assertThat(values.get("x-client-subject")).isEqualTo("CN=kiosk-9,OU=Kiosks,O=Contoso");
        assertThat(values.get("x-client-issuer")).isEqualTo("CN=Headers Test Issuing,O=Contoso");
        assertThat(values.get("x-client-sha256")).isEqualTo(identity.sha256()).hasSize(64);
        assertThat(values.get("x-client-serial")).isEqualTo(device.certificate().getSerialNumber().toString(16));
    }

    @Test
    void deviceIdOnlyForAVerifiedDevice() {
        IdentityHeaders writer = IdentityHeaders.of(IdentityHeadersConfig.defaults(), null, null);
        String deviceId = "2f1c0b8e-5d0a-4c7e-9a61-0b6f3c2d1e4f";
        assertThat(byName(writer.headersFor(identity, deviceId, null, "GET", "/", NOW))).containsEntry("x-client-device-id", deviceId);
        assertThat(byName(writer.headersFor(identity, null, null, "GET", "/", NOW))).doesNotContainKey("x-client-device-id");
    }

    /**
     * Envoy's example 3 ("For one client certificate with both URI type and DNS type Subject Alternative
     * Name"), with the subject in the RFC 2253 form Envoy writes today and the Hash of our generated leaf.
     */
    @Test
    void xfccElementIsEnvoysForEnvoysExample() throws Exception {
        IssuedCertificate lyft = CertificateBuilder.client("CN=Test Client,OU=Lyft,L=San Francisco,ST=CA,C=US")
                .uri("http://testclient.lyft.com").dns("lyft.com", "www.lyft.com").signedBy(issuing);
        ClientIdentity client = ClientIdentity.of(lyft.presentedChain());
        IdentityHeaders writer = IdentityHeaders.of(
                config(XfccMode.SET, List.of("By", "Hash", "Subject", "URI", "DNS"), false, false, false), null,
                "http://frontend.lyft.com");

        List<IdentityHeaders.Header> headers = writer.headersFor(client, null, null, "GET", "/", NOW);

        assertThat(headers).containsExactly(new IdentityHeaders.Header("x-forwarded-client-cert",
                "By=http://frontend.lyft.com;Hash=" + client.sha256()
                        + ";Subject=\"CN=Test Client,OU=Lyft,L=San Francisco,ST=CA,C=US\";URI=http://testclient.lyft.com"
                        + ";DNS=lyft.com;DNS=www.lyft.com"));
    }

    @Test
    void xfccFieldsAreWrittenInEnvoysOrderAndUriStaysWhenEmpty() throws Exception {
        IssuedCertificate plain = CertificateBuilder.client("CN=no-sans").signedBy(issuing);
        ClientIdentity client = ClientIdentity.of(plain.presentedChain());
        IdentityHeaders writer = IdentityHeaders.of(config(XfccMode.SET, List.of("dns", "uri", "subject", "hash"), false,
                false, false), null, null);

        assertThat(writer.headersFor(client, null, null, "GET", "/", NOW).get(0).value())
                .isEqualTo("Hash=" + client.sha256() + ";Subject=\"CN=no-sans\";URI=");
    }

    @Test
    void xfccCertAndChainReadBackAsTheIdentity() throws Exception {
        IdentityHeaders writer = IdentityHeaders.of(
                config(XfccMode.SET, List.of("Hash", "Cert", "Chain", "Subject", "URI", "DNS"), false, false, false), null,
                "spiffe://gateway.contoso.com");
        String xfcc = writer.headersFor(identity, null, null, "GET", "/", NOW).get(0).value();

        assertThat(xfcc).startsWith("Hash=" + identity.sha256() + ";Cert=\"-----BEGIN%20CERTIFICATE-----%0AMII");
        assertThat(xfcc).contains(";Chain=\"-----BEGIN%20CERTIFICATE-----%0A")
                .contains("-----END%20CERTIFICATE-----%0A\";Subject=")
                .endsWith(";URI=spiffe://contoso.com/kiosk/9;DNS=kiosk-9.contoso.com;DNS=kiosk-9.local");
        assertThat(ForwardedCertificates.parse(ForwardedCertificateFormat.XFCC, xfcc, null))
                .containsExactlyElementsOf(identity.chain());
        XfccElement element = Xfcc.parse(xfcc).get(0);
        assertThat(URLDecoder.decode(element.value("Cert"), StandardCharsets.UTF_8)).isEqualTo(device.certificatePem());
    }

    @Test
    void xfccModes() {
        String trusted = "By=spiffe://ingress;Hash=aa;URI=spiffe://client";
        List<String> fields = List.of("Hash");
        String ours = "Hash=" + identity.sha256();

        assertThat(xfccOf(XfccMode.SANITIZE, fields, trusted)).isNull();
        assertThat(xfccOf(XfccMode.FORWARD_ONLY, fields, trusted)).isEqualTo(trusted);
        assertThat(xfccOf(XfccMode.FORWARD_ONLY, fields, null)).isNull();
        assertThat(xfccOf(XfccMode.APPEND, fields, trusted)).isEqualTo(trusted + "," + ours);
        assertThat(xfccOf(XfccMode.APPEND, fields, null)).isEqualTo(ours);
        assertThat(xfccOf(XfccMode.SET, fields, trusted)).isEqualTo(ours);
    }

    @Test
    void anEmptyElementIsNeverSent() throws Exception {
        IssuedCertificate plain = CertificateBuilder.client("CN=no-sans").signedBy(issuing);
        ClientIdentity client = ClientIdentity.of(plain.presentedChain());
        for (XfccMode mode : List.of(XfccMode.SET, XfccMode.APPEND)) {
            IdentityHeaders writer = IdentityHeaders.of(config(mode, List.of("By", "DNS"), false, false, false), null, null);
            assertThat(writer.headersFor(client, null, null, "GET", "/", NOW)).isEmpty();
        }
        IdentityHeaders append = IdentityHeaders.of(config(XfccMode.APPEND, List.of("DNS"), false, false, false), null, null);
        assertThat(append.headersFor(client, null, "Hash=aa", "GET", "/", NOW))
                .containsExactly(new IdentityHeaders.Header("x-forwarded-client-cert", "Hash=aa"));
    }

    @Test
    void aTrustedXfccThatDoesNotParseIsNeverForwarded() {
        List<String> fields = List.of("Hash");
        String ours = "Hash=" + identity.sha256();
        for (String broken : List.of("Hash=\"open", "a\r\nx-evil: 1", "Hash=a,", "")) {
            assertThat(xfccOf(XfccMode.FORWARD_ONLY, fields, broken)).as(broken).isNull();
            assertThat(xfccOf(XfccMode.APPEND, fields, broken)).as(broken).isEqualTo(ours);
        }
        String huge = "Hash=" + "a".repeat(ForwardedCertificates.MAX_CHAIN_HEADER);
        assertThat(xfccOf(XfccMode.FORWARD_ONLY, fields, huge)).isNull();
    }

    private static String xfccOf(XfccMode mode, List<String> fields, String trusted) {
        IdentityHeaders writer = IdentityHeaders.of(config(mode, fields, false, false, false), null, null);
        return byName(writer.headersFor(identity, null, trusted, "GET", "/", NOW)).get("x-forwarded-client-cert");
    }

    @Test
    void rfc9440HeadersAreTheRfcsExample() throws Exception {
        ClientIdentity example = ClientIdentity.of(Rfc9440Vectors.chain());
        IdentityHeaders writer = IdentityHeaders.of(config(XfccMode.SANITIZE, null, true, true, false), null, null);

        List<IdentityHeaders.Header> headers = writer.headersFor(example, null, null, "GET", "/", NOW);

        assertThat(headers).containsExactly(
                new IdentityHeaders.Header("client-cert", Rfc9440Vectors.clientCert()),
                new IdentityHeaders.Header("client-cert-chain", Rfc9440Vectors.clientCertChain()));
    }

    @Test
    void clientCertChainOnlyWhenThereAreIntermediates() throws Exception {
        IssuedCertificate selfSigned = CertificateBuilder.client("CN=alone").selfSigned();
        ClientIdentity alone = ClientIdentity.of(selfSigned.chain());
        IdentityHeaders writer = IdentityHeaders.of(config(XfccMode.SANITIZE, null, true, true, false), null, null);

        assertThat(names(writer.headersFor(alone, null, null, "GET", "/", NOW))).containsExactly("client-cert");
        List<IdentityHeaders.Header> headers = writer.headersFor(identity, null, null, "GET", "/", NOW);
        assertThat(ForwardedCertificates.parse(ForwardedCertificateFormat.CLIENT_CERT, headers.get(0).value(),
                headers.get(1).value())).containsExactlyElementsOf(identity.chain());
    }

    @Test
    void everyHeaderInEveryModeInOrder() {
        IdentityHeaders writer = IdentityHeaders.of(new IdentityHeadersConfig(XfccMode.APPEND, null, true, true, true,
                new SigningConfig("/unused", null)), new byte[32], null);
        assertThat(names(writer.headersFor(identity, "dev-1", "Hash=aa", "GET", "/", NOW))).containsExactly(
                "x-forwarded-client-cert", "client-cert", "client-cert-chain", "x-client-subject", "x-client-issuer",
                "x-client-sha256", "x-client-serial", "x-client-device-id", "x-mtls-proxy-signature");
    }

    /** DNs an attacker-minded CA customer might ask for: separators, quotes, escapes, non-ASCII, controls. */
    @Test
    void trickyDistinguishedNamesStayValidHeadersAndMeanTheSameDn() throws Exception {
        List<String> subjects = List.of(
                "CN=Doe\\, John,O=Contoso",
                "CN=semi\\;colon,OU=a\\=b",
                "CN=quote\\\"d,O=x",
                "CN=back\\\\slash",
                "CN=ends with backslash\\\\",
                "CN=plus\\+sign+UID=7",
                "CN=J\u00fcrgen M\u00fcller,O=B\u00e4ckerei",
                "CN=\u6771\u4eac\u30c7\u30d0\u30a4\u30b9",
                "CN=emoji \ud83d\ude00",
                "CN=line\\0Abreak\\0D,O=tab\\09",
                "CN=percent 100%25 sure",
                "CN=\\#hash,O=\\ lead");
        IdentityHeaders writer = IdentityHeaders.of(
                config(XfccMode.SET, List.of("Hash", "Subject", "URI", "DNS"), false, false, true), null, null);
        for (String dn : subjects) {
            IssuedCertificate issued = CertificateBuilder.client(dn).signedBy(issuing);
            X500Principal principal = issued.certificate().getSubjectX500Principal();
            ClientIdentity client = ClientIdentity.of(issued.presentedChain());
            Map<String, String> headers = byName(writer.headersFor(client, null, null, "GET", "/", NOW));

            for (String value : headers.values()) {
                assertThat(value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).as(dn + " -> " + value).isTrue();
            }
            assertThat(URLDecoder.decode(headers.get("x-client-subject").replace("+", "%2B"), StandardCharsets.UTF_8))
                    .as(dn).isEqualTo(client.subject().toString());
            String xfccSubject = Xfcc.parse(headers.get("x-forwarded-client-cert")).get(0).value("Subject");
            assertThat(new X500Principal(xfccSubject)).as(dn + " -> " + xfccSubject).isEqualTo(principal);
            assertThat(xfccSubject).doesNotContain("\"").doesNotContain("\\\\");
        }
    }

    @Test
    void asciiDnMatchesOpensslsEscapesForNonAscii() {
        assertThat(IdentityHeaders.asciiDn("CN=J\u00fcrgen")).isEqualTo("CN=J\\C3\\BCrgen");
        assertThat(IdentityHeaders.asciiDn("CN=a\\\"b")).isEqualTo("CN=a\\22b");
        assertThat(IdentityHeaders.asciiDn("CN=a\\\\")).isEqualTo("CN=a\\5C");
        assertThat(IdentityHeaders.asciiDn("CN=a\\,b")).isEqualTo("CN=a\\,b");
        assertThat(IdentityHeaders.asciiDn("CN=x \u00e9")).isEqualTo("CN=x\\20\\C3\\A9");
    }

    @Test
    void sanValuesWithSeparatorsAreQuotedAndOddCharactersPercentEncoded() throws Exception {
        IssuedCertificate odd = CertificateBuilder.client("CN=odd").uri("https://x.example/?q=1;r=2,s").signedBy(issuing);
        ClientIdentity client = ClientIdentity.of(odd.presentedChain());
        IdentityHeaders writer = IdentityHeaders.of(config(XfccMode.SET, List.of("URI", "DNS"), false, false, false), null, null);
        String xfcc = writer.headersFor(client, null, null, "GET", "/", NOW).get(0).value();

        assertThat(xfcc).isEqualTo("URI=\"https://x.example/?q=1;r=2,s\"");
        assertThat(Xfcc.parse(xfcc).get(0).values("URI")).containsExactly("https://x.example/?q=1;r=2,s");
        // the JDK refuses such SANs when it reads a certificate; the writer still never lets them through raw
        assertThat(IdentityHeaders.uriLike("https://x.example/a b\"c\\d")).isEqualTo("https://x.example/a%20b%22c%5Cd");
        assertThat(IdentityHeaders.uriLike("caf\u00e9.example\r\n")).isEqualTo("caf%C3%A9.example%0D%0A");
        assertThat(IdentityHeaders.uriLike("spiffe://contoso.com/kiosk/9")).isEqualTo("spiffe://contoso.com/kiosk/9");
    }

    @Test
    void aPreparedIdentityWritesWhatHeadersForWrites() {
        IdentityHeaders writer = IdentityHeaders.of(new IdentityHeadersConfig(XfccMode.APPEND,
                List.of("Hash", "Cert", "Subject"), true, true, true, new SigningConfig("/unused", null)), new byte[32], null);
        IdentityHeaders.Prepared prepared = writer.prepare(identity, "dev-9");
        for (String incoming : java.util.Arrays.asList(null, "Hash=aa;URI=x")) {
            assertThat(prepared.headersFor(incoming, "PUT", "/p?q=1", NOW))
                    .isEqualTo(writer.headersFor(identity, "dev-9", incoming, "PUT", "/p?q=1", NOW));
        }
    }

    @Test
    void identityHeaderNames() {
        for (String name : List.of("x-forwarded-client-cert", "client-cert", "client-cert-chain", "x-arr-clientcert",
                "x-ssl-client-cert", "x-mtls-proxy-signature", "x-client-subject", "x-client-anything", "X-Client-Sha256",
                "x-ssl-client-dn", "x-ssl-client-verify", "x-forwarded-tls-client-cert", "x-amzn-mtls-clientcert-leaf",
                "x-ms-client-principal", "x-ms-client-principal-id", "ssl-client-cert")) {
            assertThat(IdentityHeaders.isIdentityHeader(name)).as(name).isTrue();
        }
        for (String name : List.of("x-forwarded-for", "host", "authorization", "x-request-id", "client", "x-clients")) {
            assertThat(IdentityHeaders.isIdentityHeader(name)).as(name).isFalse();
        }
        IdentityHeaders custom = IdentityHeaders.of(new IdentityHeadersConfig(null, null, null, null, null,
                new SigningConfig("/k", "x-gw-sig")), new byte[32], null);
        assertThat(custom.strips("x-gw-sig")).isTrue();
        assertThat(custom.strips("x-mtls-proxy-signature")).isTrue();
        assertThat(IdentityHeaders.isIdentityHeader("x-gw-sig")).isFalse();
        assertThat(custom.signatureHeader()).isEqualTo("x-gw-sig");
    }

    @Test
    void aKeyGoesWithSigningAndOnlyWithIt() {
        IdentityHeadersConfig signing = new IdentityHeadersConfig(null, null, null, null, null, new SigningConfig("/k", null));
        assertThatThrownBy(() -> IdentityHeaders.of(signing, null, null))
                .hasMessage("the route signs its identity headers but no signing key was given");
        assertThatThrownBy(() -> IdentityHeaders.of(IdentityHeadersConfig.defaults(), new byte[32], null))
                .hasMessage("a signing key was given but the route does not sign its identity headers");
        assertThatThrownBy(() -> IdentityHeaders.of(signing, new byte[31], null))
                .hasMessageContaining("at least 32 bytes");
    }
}
