package io.mtlsproxy.policy.rules;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Helpers shared by the rules: how written patterns are quoted in details, list checks. */
final class Patterns {
    private Patterns() {}

    static List<String> nonEmpty(String rule, List<String> patterns) {
        List<String> copy = List.copyOf(patterns); // also refuses null entries
        if (copy.isEmpty()) {
            throw new IllegalArgumentException(rule + " needs at least one value");
        }
        for (String pattern : copy) {
            if (pattern.isBlank()) {
                throw new IllegalArgumentException("empty value");
            }
        }
        return copy;
    }

    /** ['a', 'b'] as written in config, for details. */
    static String quoted(List<String> patterns) {
        return patterns.stream().map(p -> "'" + p + "'").collect(Collectors.joining(", ", "[", "]"));
    }

    /**
     * Attribute values as RFC 4514 matching compares them (caseIgnoreMatch): trimmed, inner runs of
     * spaces folded to one, lower case.
     */
    static String foldValue(String value) {
        StringBuilder folded = new StringBuilder(value.length());
        boolean space = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isWhitespace(c)) {
                space = folded.length() > 0;
            } else {
                if (space) {
                    folded.append(' ');
                    space = false;
                }
                folded.append(c);
            }
        }
        return folded.toString().toLowerCase(Locale.ROOT);
    }
}
