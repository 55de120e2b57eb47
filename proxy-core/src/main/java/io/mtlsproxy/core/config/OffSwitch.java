package io.mtlsproxy.core.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Reads a setting whose choices include {@code off}, which YAML 1.1 reads as the boolean false when
 * it is not quoted ({@code proxyProtocol: off}, {@code tls: off}). For an enum's JSON creator.
 */
final class OffSwitch {
    private OffSwitch() {}

    /** @throws IllegalArgumentException naming the choices, in lower case as they are written */
    static <E extends Enum<E>> E parse(Class<E> type, E off, Object value) {
        if (Boolean.FALSE.equals(value)) {
            return off;
        }
        String text = String.valueOf(value).strip().toUpperCase(Locale.ROOT);
        for (E candidate : type.getEnumConstants()) {
            if (candidate.name().equals(text)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not one of " + Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
    }
}
