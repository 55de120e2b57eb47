package io.mtlsproxy.server.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * Recomputes an audit file's chain line by line and names the first line that breaks it: a line
 * that is not a chained record, one whose content no longer matches its own hash (edited), or
 * one whose {@code prev} is not the hash of the line before it (a line deleted, moved or
 * inserted before it). Lines cut from the end of the file leave no trace in the file itself:
 * compare the last hash with one kept elsewhere.
 */
public final class AuditChainVerifier {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditChainVerifier() {}

    /**
     * @param records the records checked (all of them when intact)
     * @param brokenLine the 1-based line of the first break, or 0 when intact
     * @param problem what is wrong at that line
     * @param expected what that line should hold (a hash), or null
     * @param found what it holds, or null
     * @param lastHash the SHA-256 of the last line: what the next record's prev will be
     */
    public record Result(long records, long brokenLine, String problem, String expected, String found, String lastHash) {
        public boolean intact() {
            return brokenLine == 0;
        }
    }

    public static Result verify(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
            return verify(in);
        }
    }

    static Result verify(InputStream in) throws IOException {
        MessageDigest digest = HashChain.sha256();
        String previous = HashChain.GENESIS;
        long lineNumber = 0;
        ByteArrayOutputStream current = new ByteArrayOutputStream(512);
        int b;
        boolean pending = false;
        while (true) {
            b = in.read();
            if (b != '\n' && b != -1) {
                current.write(b);
                pending = true;
                continue;
            }
            if (b == -1 && !pending) {
                break; // the file ends with a newline (or is empty)
            }
            lineNumber++;
            byte[] line = current.toByteArray();
            current.reset();
            pending = false;
            Result broken = check(line, lineNumber, previous, digest);
            if (broken != null) {
                return broken;
            }
            previous = HashChain.sha256Hex(digest, line, 0, line.length);
            if (b == -1) {
                break;
            }
        }
        return new Result(lineNumber, 0, null, null, null, previous);
    }

    private static Result check(byte[] line, long number, String expectedPrev, MessageDigest digest) {
        if (!HashChain.framed(line) || !isJsonObject(line)) {
            return new Result(number - 1, number, "not a hash-chained audit record (expected {\"prev\":...,\"hash\":...})",
                    null, null, null);
        }
        String content = HashChain.contentHash(digest, line);
        String recorded = HashChain.hashOf(line);
        if (!content.equals(recorded)) {
            return new Result(number - 1, number, "the record was altered: its content does not hash to its hash field",
                    content, recorded, null);
        }
        String prev = HashChain.prevOf(line);
        if (!prev.equals(expectedPrev)) {
            return new Result(number - 1, number, number == 1
                    ? "broken link: the first record's prev is not the genesis value (records removed from the start?)"
                    : "broken link: prev is not the hash of line " + (number - 1) + " (a line deleted, moved or inserted here)",
                    expectedPrev, prev, null);
        }
        return null;
    }

    private static boolean isJsonObject(byte[] line) {
        try {
            JsonNode node = JSON.readTree(line);
            return node != null && node.isObject();
        } catch (IOException e) {
            return false;
        }
    }
}
