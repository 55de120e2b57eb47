package io.mtlsproxy.perf.load;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;

/**
 * Whether a body contains a byte string, fed piece by piece as it arrives (Knuth-Morris-Pratt), so
 * the harness never copies a body to look into it and a match across two TCP reads or two chunks
 * is still found.
 */
final class BodyMatcher implements ByteProcessor {
    private final byte[] pattern;
    private final int[] fallback;
    private int matched;

    BodyMatcher(String expected) {
        this.pattern = expected.getBytes(StandardCharsets.UTF_8);
        if (pattern.length == 0) {
            throw new IllegalArgumentException("an expected body substring cannot be empty");
        }
        this.fallback = fallbackTable(pattern);
    }

    private static int[] fallbackTable(byte[] pattern) {
        int[] table = new int[pattern.length];
        int k = 0;
        for (int i = 1; i < pattern.length; i++) {
            while (k > 0 && pattern[i] != pattern[k]) {
                k = table[k - 1];
            }
            if (pattern[i] == pattern[k]) {
                k++;
            }
            table[i] = k;
        }
        return table;
    }

    /** Looks at the next {@code length} readable bytes of {@code body} without consuming them. */
    void feed(ByteBuf body, int length) {
        if (!found() && length > 0) {
            body.forEachByte(body.readerIndex(), length, this);
        }
    }

    @Override
    public boolean process(byte value) {
        while (matched > 0 && value != pattern[matched]) {
            matched = fallback[matched - 1];
        }
        if (value == pattern[matched]) {
            matched++;
        }
        // stop scanning once found: the rest of the body cannot change the answer
        return matched < pattern.length;
    }

    boolean found() {
        return matched == pattern.length;
    }

    /** For the next response. */
    void reset() {
        matched = 0;
    }
}
