package io.mtlsproxy.core.forwarded;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.SigningConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

/**
 * Reads the identity-header signing key of {@link SigningConfig#keyFile()}: base64 (standard or URL-safe
 * alphabet, padding optional, surrounding whitespace ignored) of at least 32 bytes, e.g. made with
 * {@code openssl rand -base64 32 > signing.key}. Errors name the setting and the file, never the contents.
 */
public final class SigningKeyFile {
    /** A key file is a line of base64; anything much larger is the wrong file. */
    private static final long MAX_FILE_BYTES = 4096;

    private SigningKeyFile() {}

    /**
     * @param setting where the key file is configured, for messages, e.g.
     *     {@code proxy.routes[0].identityHeaders.signing.keyFile}
     */
    public static byte[] read(SigningConfig signing, String setting) throws ConfigException {
        if (signing == null || signing.keyFile() == null || signing.keyFile().isBlank()) {
            throw new ConfigException(setting + ": is required when signing is set");
        }
        Path file = Path.of(signing.keyFile());
        byte[] raw;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new ConfigException(setting + ": " + file + " is over " + MAX_FILE_BYTES
                        + " bytes; it should hold one line of base64");
            }
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(setting + ": " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException(setting + ": " + file + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        String text = new String(raw, StandardCharsets.US_ASCII).strip();
        Arrays.fill(raw, (byte) 0);
        byte[] key;
        try {
            key = text.indexOf('-') >= 0 || text.indexOf('_') >= 0
                    ? Base64.getUrlDecoder().decode(text)
                    : Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(setting + ": " + file + " does not hold base64 (expected one line, e.g. from "
                    + "'openssl rand -base64 32')");
        }
        if (key.length < IdentitySignature.MIN_KEY_BYTES) {
            int length = key.length;
            Arrays.fill(key, (byte) 0);
            throw new ConfigException(setting + ": " + file + " holds a key of " + length + " bytes; at least "
                    + IdentitySignature.MIN_KEY_BYTES + " are required");
        }
        return key;
    }
}
