package io.mtlsproxy.core.config;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The gateway's own log (not the audit trail).
 *
 * @param format {@code plain} lines (the default) or {@code json}, one object per line with the
 *     MDC fields (requestId, client) as properties
 * @param level the root level: TRACE, DEBUG, INFO (the default), WARN, ERROR or OFF
 */
public record LoggingConfig(Format format, String level) {
    public static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    public enum Format { PLAIN, JSON }

    public LoggingConfig {
        format = Objects.requireNonNullElse(format, Format.PLAIN);
        level = Objects.requireNonNullElse(level, "INFO").toUpperCase(Locale.ROOT);
    }

    public static LoggingConfig defaults() {
        return new LoggingConfig(null, null);
    }
}
