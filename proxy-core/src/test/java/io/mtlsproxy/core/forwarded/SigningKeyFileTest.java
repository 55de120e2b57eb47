package io.mtlsproxy.core.forwarded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.SigningConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeyFileTest {
    private static final String SETTING = "proxy.routes[0].identityHeaders.signing.keyFile";
    @TempDir
    Path dir;

    private byte[] read(String contents) throws Exception {
        Path file = dir.resolve("signing.key");
        Files.writeString(file, contents);
        return SigningKeyFile.read(new SigningConfig(file.toString(), null), SETTING);
    }

    @Test
    void readsOpensslRandBase64() throws Exception {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (0xf0 + i);
        }
        assertThat(read(Base64.getEncoder().encodeToString(key) + "\n")).isEqualTo(key);
        assertThat(read("  " + Base64.getUrlEncoder().withoutPadding().encodeToString(key) + "\r\n")).isEqualTo(key);
    }

    @Test
    void refusesWhatIsNotAKeyAndNeverQuotesIt() {
        assertThatThrownBy(() -> read(Base64.getEncoder().encodeToString(new byte[31])))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(SETTING + ": ")
                .hasMessageContaining("holds a key of 31 bytes; at least 32 are required");
        assertThatThrownBy(() -> read("not base64 at all: secret-password"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("does not hold base64")
                .hasMessageNotContaining("secret-password");
        assertThatThrownBy(() -> read("A".repeat(5000)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is over 4096 bytes");
    }

    @Test
    void namesTheSettingWhenTheFileIsMissingOrUnset() {
        Path missing = dir.resolve("nope.key");
        assertThatThrownBy(() -> SigningKeyFile.read(new SigningConfig(missing.toString(), null), SETTING))
                .isInstanceOf(ConfigException.class).hasMessage(SETTING + ": " + missing + " does not exist");
        assertThatThrownBy(() -> SigningKeyFile.read(new SigningConfig(" ", null), SETTING))
                .isInstanceOf(ConfigException.class).hasMessage(SETTING + ": is required when signing is set");
    }
}
