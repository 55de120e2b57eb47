package io.mtlsproxy.server.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The audit file's chain. A record line is
 * <pre>{"prev":"&lt;64 hex&gt;",&lt;fields&gt;,"hash":"&lt;64 hex&gt;"}</pre>
 * where {@code hash} is the SHA-256 of the line's bytes up to (not including) {@code ,"hash":"},
 * and {@code prev} is the SHA-256 of the previous line's exact bytes (without its newline), or
 * {@link #GENESIS} for a file's first record. An edited line no longer matches its own
 * {@code hash}; a deleted or moved line breaks the next line's {@code prev}.
 */
final class HashChain {
    /** The {@code prev} of a new file's first record. */
    static final String GENESIS = "0".repeat(64);
    static final byte[] PREFIX = "{\"prev\":\"".getBytes(StandardCharsets.US_ASCII);
    static final byte[] HASH_FIELD = ",\"hash\":\"".getBytes(StandardCharsets.US_ASCII);
    /** {@code ,"hash":"} + 64 hex + {@code "}}. */
    static final int SUFFIX_LENGTH = HASH_FIELD.length + 64 + 2;
    private static final HexFormat HEX = HexFormat.of();

    private HashChain() {}

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static String hex(byte[] digest) {
        return HEX.formatHex(digest);
    }

    static String sha256Hex(MessageDigest digest, byte[] bytes, int from, int to) {
        digest.reset();
        digest.update(bytes, from, to - from);
        return hex(digest.digest());
    }

    /** Whether {@code line} has the chain's frame: the prev field first, the hash field last. */
    static boolean framed(byte[] line) {
        return line.length >= PREFIX.length + 66 + SUFFIX_LENGTH
                && Arrays.equals(line, 0, PREFIX.length, PREFIX, 0, PREFIX.length)
                && line[PREFIX.length + 64] == '"'
                && hexAt(line, PREFIX.length)
                && Arrays.equals(line, line.length - SUFFIX_LENGTH, line.length - SUFFIX_LENGTH + HASH_FIELD.length,
                        HASH_FIELD, 0, HASH_FIELD.length)
                && hexAt(line, line.length - 66)
                && line[line.length - 2] == '"' && line[line.length - 1] == '}';
    }

    static String prevOf(byte[] line) {
        return new String(line, PREFIX.length, 64, StandardCharsets.US_ASCII);
    }

    static String hashOf(byte[] line) {
        return new String(line, line.length - 66, 64, StandardCharsets.US_ASCII);
    }

    /** The SHA-256 the record's own {@code hash} field must hold. */
    static String contentHash(MessageDigest digest, byte[] line) {
        return sha256Hex(digest, line, 0, line.length - SUFFIX_LENGTH);
    }

    private static boolean hexAt(byte[] line, int from) {
        for (int i = from; i < from + 64; i++) {
            byte b = line[i];
            if (!(b >= '0' && b <= '9' || b >= 'a' && b <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
