package io.mtlsproxy.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.pki.CertificateBuilder;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ThumbprintsTest {
    private static final String SHA1 = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3";
    private static final String SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    @ParameterizedTest
    @ValueSource(strings = {
        "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3",
        "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3",
        "A9:4A:8F:E5:CC:B1:9B:A6:1C:4C:08:73:D3:91:E9:87:98:2F:BB:D3",
        "a9 4a 8f e5 cc b1 9b a6 1c 4c 08 73 d3 91 e9 87 98 2f bb d3",
        "\u200ea9 4a 8f e5 cc b1 9b a6 1c 4c 08 73 d3 91 e9 87 98 2f bb d3", // Windows certificate dialog
        "  A94A8FE5CCB19BA61C4C0873D391E987982FBBD3  ",
    })
    void normalizesSha1AsOperatorsPasteIt(String text) {
        assertThat(Thumbprints.normalize(text)).contains(SHA1);
    }

    @Test
    void normalizesSha256() {
        assertThat(Thumbprints.normalize(SHA256.toUpperCase())).contains(SHA256);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
        "a94a8fe5ccb19ba61c4c0873d391e987982fbbd",   // 39 digits
        "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3a", // 41
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0",   // 63
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08a", // 65
        "g94a8fe5ccb19ba61c4c0873d391e987982fbbd3",  // g is no hex digit
        "0xa94a8fe5ccb19ba61c4c0873d391e987982fbb",  // 0x prefix
        "a94a8fe5-ccb19ba61c4c0873d391e987982fbbd3", // dash
        "SHA1 Fingerprint=A9:4A:8F:E5:CC:B1:9B:A6:1C:4C:08:73:D3:91:E9:87:98:2F:BB:D3",
        "\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10"
                + "\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10",
        "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
                + "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",
    })
    void refusesWhatIsNotAThumbprint(String text) {
        assertThat(Thumbprints.normalize(text)).isEmpty();
    }

    @Test
    void certificateThumbprintsAreLowerHexOfTheDer() throws Exception {
        X509Certificate cert = CertificateBuilder.client("CN=t").selfSigned().certificate();

        assertThat(Thumbprints.sha256Hex(cert))
                .isEqualTo(ClientIdentityTest.lowerHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded())));
        assertThat(Thumbprints.sha1Hex(cert))
                .isEqualTo(ClientIdentityTest.lowerHex(MessageDigest.getInstance("SHA-1").digest(cert.getEncoded())));
    }
}
