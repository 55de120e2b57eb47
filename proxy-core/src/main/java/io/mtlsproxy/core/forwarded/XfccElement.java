package io.mtlsproxy.core.forwarded;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One element of an {@code x-forwarded-client-cert} header: the key-value pairs one proxy added, in
 * order. Keys compare case-insensitively (Envoy's rule); values are kept as sent, unquoted.
 */
public record XfccElement(List<Pair> pairs) {

    public record Pair(String key, String value) {
        public Pair {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    public XfccElement {
        pairs = List.copyOf(pairs);
    }

    /** Every value of a key, in order (DNS and URI appear once per name). */
    public List<String> values(String key) {
        List<String> values = new ArrayList<>(1);
        for (Pair pair : pairs) {
            if (pair.key().equalsIgnoreCase(key)) {
                values.add(pair.value());
            }
        }
        return values;
    }

    /** The one value of a key, or null when absent. */
    public String value(String key) {
        for (Pair pair : pairs) {
            if (pair.key().equalsIgnoreCase(key)) {
                return pair.value();
            }
        }
        return null;
    }

    /** This element in Envoy's encoding (see {@link Xfcc#format(List)}). */
    public String encode() {
        return Xfcc.format(List.of(this));
    }
}
