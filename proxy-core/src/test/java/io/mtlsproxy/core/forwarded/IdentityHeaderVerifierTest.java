package io.mtlsproxy.core.forwarded;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.config.IdentityHeadersConfig;
import io.mtlsproxy.core.config.SigningConfig;
import io.mtlsproxy.core.config.XfccMode;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.CertificateBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IdentityHeaderVerifierTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static final Duration WINDOW = Duration.ofSeconds(30);
    private static final byte[] KEY = new byte[32];
    private static ClientIdentity identity;
    private static IdentityHeaders writer;

    static {
        for (int i = 0; i < KEY.length; i++) {
            KEY[i] = (byte) (i + 1);
        }
    }

    @BeforeAll
    static void issue() throws Exception {
        var root = CertificateBuilder.ca("CN=Signing Test Root").selfSigned();
        var device = CertificateBuilder.client("CN=kiosk-5,O=Contoso").uri("spiffe://contoso.com/kiosk/5").signedBy(root);
        identity = ClientIdentity.of(device.presentedChain());
        writer = IdentityHeaders.of(new IdentityHeadersConfig(XfccMode.SET, null, true, false, true,
                new SigningConfig("/unused", null)), KEY, "spiffe://gateway");
    }

    private static Map<String, String> signedRequest(String method, String path) {
        Map<String, String> headers = new HashMap<>();
        for (IdentityHeaders.Header header : writer.headersFor(identity, "dev-5", null, method, path, NOW)) {
            headers.put(header.name(), header.value());
        }
        return headers;
    }

    private static IdentityHeaderVerifier.Result verify(Map<String, String> headers, String method, String path, Instant now) {
        return new IdentityHeaderVerifier(KEY).verify(headers::get, method, path, now, WINDOW);
    }

    @Test
    void aSignatureFromTheGatewayVerifies() {
        Map<String, String> headers = signedRequest("GET", "/api/items?id=7");
        IdentityHeaderVerifier.Result result = verify(headers, "GET", "/api/items?id=7", NOW.plusSeconds(3));

        assertThat(result.valid()).isTrue();
        assertThat(result.reason()).isEqualTo("ok");
        assertThat(result.signedHeaders()).containsExactly("x-forwarded-client-cert", "client-cert", "x-client-subject",
                "x-client-issuer", "x-client-sha256", "x-client-serial", "x-client-device-id");
        assertThat(result.covers("X-Client-Subject")).isTrue();
        assertThat(headers.get("x-mtls-proxy-signature")).matches(
                "t=1796119200;h=x-forwarded-client-cert,client-cert,x-client-subject,x-client-issuer,x-client-sha256,"
                        + "x-client-serial,x-client-device-id;v1=[A-Za-z0-9_-]{43}");
    }

    @Test
    void aTamperedValueFails() {
        Map<String, String> headers = signedRequest("GET", "/a");
        headers.put("x-client-subject", "CN=admin,O=Contoso");
        assertThat(verify(headers, "GET", "/a", NOW).reason()).isEqualTo("bad_signature");
    }

    @Test
    void anotherPathOrMethodFails() {
        Map<String, String> headers = signedRequest("GET", "/a?x=1");
        assertThat(verify(headers, "GET", "/a?x=2", NOW).reason()).isEqualTo("bad_signature");
        assertThat(verify(headers, "GET", "/b?x=1", NOW).reason()).isEqualTo("bad_signature");
        assertThat(verify(headers, "POST", "/a?x=1", NOW).reason()).isEqualTo("bad_signature");
    }

    @Test
    void anOldOrFutureSignatureFails() {
        Map<String, String> headers = signedRequest("GET", "/a");
        assertThat(verify(headers, "GET", "/a", NOW.plus(WINDOW)).valid()).isTrue();
        assertThat(verify(headers, "GET", "/a", NOW.plus(WINDOW).plusSeconds(1)).reason()).isEqualTo("expired");
        assertThat(verify(headers, "GET", "/a", NOW.minus(WINDOW).minusSeconds(1)).reason()).isEqualTo("not_yet_valid");
    }

    @Test
    void anotherKeyFails() {
        Map<String, String> headers = signedRequest("GET", "/a");
        byte[] other = KEY.clone();
        other[0] ^= 1;
        assertThat(new IdentityHeaderVerifier(other).verify(headers::get, "GET", "/a", NOW, WINDOW).reason())
                .isEqualTo("bad_signature");
    }

    @Test
    void aRemovedSignedHeaderOrSignatureFails() {
        Map<String, String> headers = signedRequest("GET", "/a");
        headers.remove("client-cert");
        assertThat(verify(headers, "GET", "/a", NOW).reason()).isEqualTo("missing_signed_header");
        assertThat(verify(Map.of(), "GET", "/a", NOW).reason()).isEqualTo("missing_signature");
    }

    @Test
    void aSignedValueWithALineBreakFailsInsteadOfShiftingTheInput() {
        Map<String, String> headers = signedRequest("GET", "/a");
        headers.put("x-client-subject", headers.get("x-client-subject") + "\nx-client-sha256:00");
        assertThat(verify(headers, "GET", "/a", NOW).reason()).isEqualTo("bad_signature");
    }

    @Test
    void aRewrittenHeaderListFails() {
        Map<String, String> headers = signedRequest("GET", "/a");
        String signature = headers.get("x-mtls-proxy-signature");
        headers.put("x-mtls-proxy-signature", signature.replace("h=x-forwarded-client-cert,", "h="));
        assertThat(verify(headers, "GET", "/a", NOW).reason()).isEqualTo("bad_signature");
    }

    @Test
    void malformedSignatures() {
        String mac = "RLyftKsK9-31Mv9jOi7cxw1--U4r_n3PTte8vfp_-NU";
        for (String value : List.of("", "garbage", "t=1;h=;v1=", "t=;h=;v1=" + mac, "t=x;h=;v1=" + mac,
                "h=;t=1;v1=" + mac, "t=1;h=;v1=" + mac + ";x=1", "t=1;h=a,,b;v1=" + mac, "t=1;h=a,a;v1=" + mac,
                "t=1;h=A;v1=" + mac, "t=1;h=a b;v1=" + mac, "t=1;h=a:b;v1=" + mac, "t=1;h=;v1=" + mac.substring(1), "t=1;h=;v1=" + mac + "!",
                "t=1;h=x-mtls-proxy-signature;v1=" + mac, "t=-1;h=;v1=" + mac, "t=9999999999999;h=;v1=" + mac)) {
            Map<String, String> headers = Map.of("x-mtls-proxy-signature", value);
            assertThat(verify(headers, "GET", "/a", NOW).reason()).as(value).isEqualTo("malformed_signature");
        }
    }

    /**
     * A known answer for other implementations, computed with Python's hmac module: key bytes 1..32
     * (base64 {@code AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=}), t 1767225600, GET /api/items?id=7, two headers.
     */
    @Test
    void knownAnswer() {
        String sha = "ab".repeat(32);
        Map<String, String> headers = Map.of(
                "x-client-subject", "CN=kiosk-1,O=Contoso",
                "x-client-sha256", sha,
                "x-mtls-proxy-signature", "t=1767225600;h=x-client-subject,x-client-sha256;v1=RLyftKsK9-31Mv9jOi7cxw1--U4r_n3PTte8vfp_-NU");
        Function<String, String> lookup = headers::get;
        IdentityHeaderVerifier.Result result = new IdentityHeaderVerifier(KEY)
                .verify(lookup, "GET", "/api/items?id=7", Instant.ofEpochSecond(1767225600), WINDOW);
        assertThat(result.valid()).as(result.reason()).isTrue();

        byte[] mac = new IdentitySignature(KEY).mac(IdentitySignature.input(1767225600, "GET", "/api/items?id=7",
                List.of(new IdentityHeaders.Header("x-client-subject", "CN=kiosk-1,O=Contoso"),
                        new IdentityHeaders.Header("x-client-sha256", sha))));
        assertThat(IdentitySignature.encode(mac)).isEqualTo("RLyftKsK9-31Mv9jOi7cxw1--U4r_n3PTte8vfp_-NU");
    }

    @Test
    void aCustomSignatureHeaderIsRead() {
        IdentityHeaders custom = IdentityHeaders.of(new IdentityHeadersConfig(null, null, null, null, true,
                new SigningConfig("/unused", "X-Gw-Sig")), KEY, null);
        Map<String, String> headers = new HashMap<>();
        custom.headersFor(identity, null, null, "GET", "/", NOW).forEach(h -> headers.put(h.name(), h.value()));
        assertThat(headers).containsKey("x-gw-sig");
        assertThat(new IdentityHeaderVerifier(KEY, "x-gw-sig").verify(headers::get, "GET", "/", NOW, WINDOW).valid()).isTrue();
    }
}
