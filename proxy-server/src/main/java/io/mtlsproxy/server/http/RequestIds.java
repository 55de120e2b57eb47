package io.mtlsproxy.server.http;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: the client's {@code X-Request-Id} when it is a sane token, otherwise a
 * connection prefix plus a sequence number, unique without a random draw per request.
 */
final class RequestIds {
    private static final int MAX_LENGTH = 128;
    // the prefix as a number, written out per id: a String per connection cost 56 bytes on every idle one
    private final long prefix = ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE;
    private long sequence;

    String next(String offered) {
        if (offered != null && isSafe(offered)) {
            return offered;
        }
        return Long.toHexString(prefix) + "-" + (++sequence);
    }

    /** Only characters that cannot break a log line or a header. */
    static boolean isSafe(String id) {
        if (id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == ':';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
