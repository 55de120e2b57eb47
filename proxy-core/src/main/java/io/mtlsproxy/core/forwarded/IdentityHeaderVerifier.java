package io.mtlsproxy.core.forwarded;

import io.mtlsproxy.core.config.SigningConfig;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks the signature mtls-proxy puts on the identity headers it sets, for upstreams (and tests).
 *
 * <h2>The scheme</h2>
 * The key is shared: the bytes base64-decoded from the route's {@code signing.keyFile} (at least 32).
 * The signature header ({@code x-mtls-proxy-signature} unless configured otherwise) is
 * <pre>{@code t=<unix seconds>;h=<signed header names, lower-case, comma-separated, no spaces>;v1=<mac>}</pre>
 * with exactly these three keys in this order, e.g.
 * {@code t=1767225600;h=x-client-subject,x-client-sha256;v1=3q2-7w...}. {@code h} may be empty.
 * {@code mac} is base64url without padding (RFC 4648 section 5) of HMAC-SHA256(key, input), where
 * input is the UTF-8 bytes of
 * <pre>
 * t + "\n" + METHOD + "\n" + pathAndQuery + "\n"
 *   + name1 + ":" + value1 + "\n" + name2 + ":" + value2 + "\n" ...
 * </pre>
 * one line per name of {@code h}, in its order: the same {@code t} text, the request method exactly as
 * sent (e.g. {@code GET}), the request target as sent to the upstream (path and query, e.g.
 * {@code /api/items?id=7}), and each header's value exactly as received (no trimming beyond HTTP's own
 * removal of surrounding whitespace; the gateway never writes any).
 *
 * <p>To verify (Python: {@code hmac.compare_digest(hmac.new(key, input, hashlib.sha256).digest(),
 * base64.urlsafe_b64decode(v1 + '=' * (-len(v1) % 4)))}): parse the header, refuse a {@code t} further
 * than your window from your clock, rebuild the input from the received request, compare the MACs in
 * constant time, and then trust only the headers named in {@code h}; refuse a request that carries any
 * identity header more than once. A signature binds time, method and target, not the body or the host:
 * within the window the identical request can be replayed, so keep the window short (seconds) and the
 * link to the upstream private.
 */
public final class IdentityHeaderVerifier {
    private static final Base64.Decoder BASE64URL = Base64.getUrlDecoder();
    private static final int MAC_BYTES = 32;

    private final IdentitySignature signature;
    private final String header;

    /** With the default header, {@code x-mtls-proxy-signature}. */
    public IdentityHeaderVerifier(byte[] key) {
        this(key, SigningConfig.DEFAULT_HEADER);
    }

    public IdentityHeaderVerifier(byte[] key, String signatureHeader) {
        this.signature = new IdentitySignature(key);
        this.header = Objects.requireNonNull(signatureHeader, "signatureHeader").toLowerCase(Locale.ROOT);
    }

    /**
     * @param headers a request header's value by lower-case name, or null when absent
     * @param maxAge the accepted distance between the signature's time and {@code now}, either way
     */
    public Result verify(Function<String, String> headers, String method, String pathAndQuery, Instant now,
            Duration maxAge) {
        String value = headers.apply(header);
        if (value == null) {
            return Result.failed("missing_signature");
        }
        String[] parts = value.strip().split(";", -1);
        if (parts.length != 3 || !parts[0].startsWith("t=") || !parts[1].startsWith("h=") || !parts[2].startsWith("v1=")) {
            return Result.failed("malformed_signature");
        }
        long t;
        try {
            String digits = parts[0].substring(2);
            if (digits.isEmpty() || digits.length() > 12 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Result.failed("malformed_signature");
            }
            t = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Result.failed("malformed_signature");
        }
        byte[] received;
        try {
            received = BASE64URL.decode(parts[2].substring(3));
        } catch (IllegalArgumentException e) {
            return Result.failed("malformed_signature");
        }
        if (received.length != MAC_BYTES) {
            return Result.failed("malformed_signature");
        }
        List<String> names = parts[1].length() == 2 ? List.of() : List.of(parts[1].substring(2).split(",", -1));
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (!isLowerCaseToken(name) || !seen.add(name) || name.equals(header)) {
                return Result.failed("malformed_signature");
            }
        }
        long age = now.getEpochSecond() - t;
        if (age > maxAge.getSeconds()) {
            return Result.failed("expired");
        }
        if (-age > maxAge.getSeconds()) {
            return Result.failed("not_yet_valid");
        }
        List<IdentityHeaders.Header> signed = new ArrayList<>(names.size());
        for (String name : names) {
            String headerValue = headers.apply(name);
            if (headerValue == null) {
                return Result.failed("missing_signed_header");
            }
            signed.add(new IdentityHeaders.Header(name, headerValue));
        }
        byte[] expected;
        try {
            expected = signature.mac(IdentitySignature.input(t, method, pathAndQuery, signed));
        } catch (IllegalArgumentException e) {
            return Result.failed("bad_signature");
        }
        if (!MessageDigest.isEqual(expected, received)) {
            return Result.failed("bad_signature");
        }
        return new Result(true, "ok", names);
    }

    private static boolean isLowerCaseToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param valid whether the signature checks out
     * @param reason {@code ok}, or why not: {@code missing_signature}, {@code malformed_signature},
     *     {@code expired}, {@code not_yet_valid}, {@code missing_signed_header}, {@code bad_signature}
     * @param signedHeaders the headers the signature covers (empty unless valid): trust only these
     */
    public record Result(boolean valid, String reason, List<String> signedHeaders) {
        public Result {
            signedHeaders = List.copyOf(signedHeaders);
        }

        static Result failed(String reason) {
            return new Result(false, reason, List.of());
        }

        public boolean covers(String name) {
            return signedHeaders.contains(name.toLowerCase(Locale.ROOT));
        }
    }
}
