package io.mtlsproxy.policy;

import java.util.Arrays;
import javax.security.auth.x500.X500Principal;

/**
 * A pattern with '*' (any run of characters, also none) and '?' (exactly one character), compiled
 * once and matched without regex or allocation. Secret-name patterns may also hold the placeholders
 * {@code {cn}}, {@code {sha1}} and {@code {sha256}}, which match the caller's value literally: a
 * '*' inside a common name is just a star.
 *
 * <p>Matching is greedy with backtracking to the last star, linear in practice and never
 * exponential: O(pattern x text) at worst.
 *
 * <p>Public for the rules of {@code io.mtlsproxy.policy.rules}; the secret-name placeholders stay
 * package-private.
 */
public final class Glob {
    public enum Mode {
        /** Character for character: secret names, URIs, IP addresses. */
        EXACT,
        /** Case folded: DNS names and e-mail addresses. */
        IGNORE_CASE,
        /**
         * For canonical distinguished names ({@code X500Principal.CANONICAL}): '*' and '?' stay inside
         * one attribute value, never crossing an unescaped ',' or '+', so {@code cn=kiosk-*,o=contoso}
         * cannot match {@code cn=kiosk-1,o=evil,o=contoso}; an escaped pair such as {@code \,} counts
         * as one character.
         */
        DISTINGUISHED_NAME
    }

    private static final int STAR = -1;
    private static final int ONE = -2;
    private static final int COMMON_NAME = -3;
    private static final int SHA1 = -4;
    private static final int SHA256 = -5;

    private final String pattern;
    private final Mode mode;
    private final int[] atoms;
    private final boolean usesCommonName;

    private Glob(String pattern, Mode mode, int[] atoms) {
        this.pattern = pattern;
        this.mode = mode;
        this.atoms = atoms;
        boolean commonName = false;
        for (int atom : atoms) {
            commonName |= atom == COMMON_NAME;
        }
        this.usesCommonName = commonName;
    }

    /** A pattern without placeholders ('{' is an ordinary character). */
    public static Glob compile(String pattern, Mode mode) {
        int[] atoms = new int[pattern.length()];
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            atoms[i] = c == '*' ? STAR : c == '?' ? ONE : mode == Mode.IGNORE_CASE ? Character.toLowerCase(c) : c;
        }
        return new Glob(pattern, mode, atoms);
    }

    /**
     * A secret-name pattern, which may hold {@code {cn}}, {@code {sha1}} and {@code {sha256}}.
     *
     * @throws IllegalArgumentException for an unknown or unclosed placeholder
     */
    static Glob secretName(String pattern) {
        int[] atoms = new int[pattern.length()];
        int count = 0;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '{') {
                int close = pattern.indexOf('}', i);
                if (close < 0) {
                    throw new IllegalArgumentException("'{' without '}'");
                }
                atoms[count++] = placeholder(pattern.substring(i + 1, close));
                i = close;
            } else if (c == '}') {
                throw new IllegalArgumentException("'}' without '{'");
            } else {
                atoms[count++] = c == '*' ? STAR : c == '?' ? ONE : c;
            }
        }
        return new Glob(pattern, Mode.EXACT, Arrays.copyOf(atoms, count));
    }

    private static int placeholder(String name) {
        return switch (name) {
            case "cn" -> COMMON_NAME;
            case "sha1" -> SHA1;
            case "sha256" -> SHA256;
            default -> throw new IllegalArgumentException("unknown placeholder {" + name + "}; use {cn}, {sha1} or {sha256}");
        };
    }

    boolean usesCommonName() {
        return usesCommonName;
    }

    /**
     * A distinguished-name pattern as operators write it (RFC 4514 text, e.g.
     * {@code CN=kiosk-*, OU=Kiosks, O=Contoso}), compiled in canonical form so that it is compared
     * with {@code DistinguishedName.canonical()}: case and spacing folded, a wildcard kept inside
     * one attribute value.
     *
     * @throws IllegalArgumentException when the text is not a DN, or puts a wildcard in an attribute
     *     the canonical form writes as hex (emailAddress, serialNumber), where it would be a literal byte
     */
    public static Glob distinguishedName(String pattern) {
        String canonical;
        try {
            canonical = new X500Principal(pattern).getName(X500Principal.CANONICAL);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + pattern + "' is not a distinguished name (" + e.getMessage() + ")", e);
        }
        if (wildcards(canonical) != wildcards(pattern)) {
            throw new IllegalArgumentException("'" + pattern + "' has a wildcard in an attribute compared as hex "
                    + "(such as emailAddress or serialNumber); write that attribute out in full");
        }
        return compile(canonical, Mode.DISTINGUISHED_NAME);
    }

    private static int wildcards(String text) {
        int count = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            count += c == '*' || c == '?' ? 1 : 0;
        }
        return count;
    }

    /** True when the pattern has a '*' or '?'. */
    public boolean hasWildcards() {
        for (int atom : atoms) {
            if (atom == STAR || atom == ONE) {
                return true;
            }
        }
        return false;
    }

    /** Whether the whole text matches (a pattern from {@link #compile} or {@link #distinguishedName}). */
    public boolean matches(String text) {
        return matches(text, null, null, null);
    }

    /**
     * Whether the whole text matches, with the placeholders' values. An empty or missing value never
     * matches its placeholder: a device without a CN gets nothing from a {@code {cn}} pattern.
     */
    boolean matches(String text, String commonName, String sha1, String sha256) {
        if (usesCommonName && (commonName == null || commonName.isEmpty())) {
            return false;
        }
        int p = 0;
        int t = 0;
        int starP = -1;
        int starT = -1;
        while (t < text.length() || p < atoms.length) {
            if (p < atoms.length && atoms[p] == STAR) {
                starP = ++p;
                starT = t;
                continue;
            }
            int matched = p < atoms.length ? step(atoms[p], text, t, commonName, sha1, sha256) : -1;
            if (matched > 0) {
                p++;
                t += matched;
                continue;
            }
            // mismatch: the last star takes one more character and the rest is tried again
            int unit = starP < 0 ? -1 : unit(text, starT);
            if (unit < 0) {
                return false;
            }
            starT += unit;
            p = starP;
            t = starT;
        }
        return true;
    }

    /** How many characters at t the atom matches (at least one), or -1. */
    private int step(int atom, String text, int t, String commonName, String sha1, String sha256) {
        if (atom == ONE) {
            return unit(text, t);
        }
        if (atom >= 0) {
            if (t >= text.length()) {
                return -1;
            }
            char c = text.charAt(t);
            return atom == (mode == Mode.IGNORE_CASE ? Character.toLowerCase(c) : c) ? 1 : -1;
        }
        String value = atom == COMMON_NAME ? commonName : atom == SHA1 ? sha1 : sha256;
        return value != null && !value.isEmpty() && text.startsWith(value, t) ? value.length() : -1;
    }

    /** The length of the character at t that a wildcard may take, or -1 at the end or an RDN boundary. */
    private int unit(String text, int t) {
        if (t >= text.length()) {
            return -1;
        }
        if (mode != Mode.DISTINGUISHED_NAME) {
            return 1;
        }
        char c = text.charAt(t);
        if (c == ',' || c == '+') {
            return -1;
        }
        return c == '\\' && t + 1 < text.length() ? 2 : 1;
    }

    @Override
    public String toString() {
        return pattern;
    }
}
