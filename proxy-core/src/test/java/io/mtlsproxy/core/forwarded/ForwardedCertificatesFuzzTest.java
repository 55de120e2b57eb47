package io.mtlsproxy.core.forwarded;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mtlsproxy.core.config.IdentityHeadersConfig;
import io.mtlsproxy.core.config.SigningConfig;
import io.mtlsproxy.core.config.XfccMode;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.IdentityException;
import io.mtlsproxy.core.pki.CertificateBuilder;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;

/**
 * Coverage-guided fuzzing of the header parsers, the writer and the verifier with Jazzer. Tagged
 * {@code fuzz}, which proxy-core's build leaves out by default (Jazzer's agent costs tens of seconds per
 * JVM; {@link ForwardedParserRobustnessTest} is the always-on, seeded counterpart). To replay the seeds in
 * {@code src/test/resources/io/mtlsproxy/core/forwarded/ForwardedCertificatesFuzzTestInputs/}:
 * {@code mvn -o -pl proxy-core test -Dtest=ForwardedCertificatesFuzzTest -DexcludedGroups=}; to fuzz one
 * method for its {@code maxDuration}, prefix {@code JAZZER_FUZZ=1} and name it
 * ({@code -Dtest='ForwardedCertificatesFuzzTest#parsersAcceptOrRefuseCleanly'}). A finding lands in that
 * folder as {@code crash-*}: fix it and keep it there as a regression seed under a telling name.
 */
@Tag("fuzz")
class ForwardedCertificatesFuzzTest {
    private static final byte[] KEY = new byte[32];
    private static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);
    private static final ClientIdentity IDENTITY = identity();
    private static final IdentityHeaders WRITER = IdentityHeaders.of(new IdentityHeadersConfig(XfccMode.APPEND,
            List.of("By", "Hash", "Subject", "URI", "DNS"), true, true, true, new SigningConfig("/unused", null)), KEY,
            "spiffe://gateway");

    private static ClientIdentity identity() {
        try {
            var root = CertificateBuilder.ca("CN=Fuzz Root").selfSigned();
            return ClientIdentity.of(CertificateBuilder.client("CN=fuzz,O=Contoso").uri("spiffe://c/fuzz").signedBy(root)
                    .presentedChain());
        } catch (IdentityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A value gives a chain of certificates or a refusal with its reason, nothing else; XFCC writes back to itself. */
    @FuzzTest(maxDuration = "30s")
    void parsersAcceptOrRefuseCleanly(FuzzedDataProvider data) {
        ForwardedCertificateFormat format = data.pickValue(ForwardedCertificateFormat.values());
        String chain = data.consumeBoolean() ? data.consumeString(4096) : null;
        String value = data.consumeRemainingAsString();
        try {
            List<X509Certificate> certs = ForwardedCertificates.parse(format, value, chain);
            if (certs.isEmpty() || certs.contains(null)) {
                throw new AssertionError("an empty or holed chain for " + format);
            }
        } catch (ForwardedCertificateException e) {
            if (!e.getMessage().startsWith(e.reason() + ": ")) {
                throw new AssertionError("a message without its reason: " + e.getMessage());
            }
        }
        try {
            List<XfccElement> elements = Xfcc.parse(value);
            if (!Xfcc.parse(Xfcc.format(elements)).equals(elements)) {
                throw new AssertionError("an XFCC header that does not survive writing back");
            }
        } catch (ForwardedCertificateException e) {
            // refused: fine
        }
    }

    /** Whatever a trusted proxy sends as XFCC, what goes upstream is valid header text and still verifies. */
    @FuzzTest(maxDuration = "20s")
    void writerNeverForwardsUnsafeText(FuzzedDataProvider data) {
        String path = "/" + data.consumeAsciiString(64).replaceAll("[\\r\\n]", "");
        String incoming = data.consumeRemainingAsString();
        Map<String, String> sent = new HashMap<>();
        for (IdentityHeaders.Header header : WRITER.headersFor(IDENTITY, null, incoming, "GET", path, NOW)) {
            for (int i = 0; i < header.value().length(); i++) {
                char c = header.value().charAt(i);
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    throw new AssertionError("a control character in " + header.name());
                }
            }
            sent.put(header.name(), header.value());
        }
        if (!new IdentityHeaderVerifier(KEY).verify(sent::get, "GET", path, NOW, Duration.ofSeconds(5)).valid()) {
            throw new AssertionError("the gateway's own signature does not verify");
        }
    }

    /** The verifier answers every signature header with a result, never an exception. */
    @FuzzTest(maxDuration = "20s")
    void verifierNeverThrows(FuzzedDataProvider data) {
        String subject = data.consumeString(100);
        String signature = data.consumeRemainingAsString();
        Map<String, String> headers = Map.of("x-mtls-proxy-signature", signature, "x-client-subject", subject);
        IdentityHeaderVerifier.Result result =
                new IdentityHeaderVerifier(KEY).verify(headers::get, "GET", "/", NOW, Duration.ofSeconds(5));
        if (result.valid()) {
            throw new AssertionError("a forged signature verified");
        }
    }
}
