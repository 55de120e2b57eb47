package io.mtlsproxy.core.forwarded;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Coverage-guided fuzzing of the header parsers with Jazzer. A plain test run replays the seeds in
 * {@code src/test/resources/io/mtlsproxy/core/forwarded/ForwardedCertificatesFuzzTestInputs/} (regression
 * mode); to fuzz: {@code JAZZER_FUZZ=1 mvn -o -pl proxy-core test -Dtest=ForwardedCertificatesFuzzTest}.
 * The property: a value gives a chain of certificates or a {@link ForwardedCertificateException}, nothing
 * else (no runtime exception, no hang, no empty chain).
 */
class ForwardedCertificatesFuzzTest {

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
}
