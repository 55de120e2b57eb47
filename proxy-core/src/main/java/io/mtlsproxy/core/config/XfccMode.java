package io.mtlsproxy.core.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What a route does with {@code x-forwarded-client-cert} (XFCC), as Envoy's
 * {@code forward_client_cert_details}. An incoming XFCC is only ever a candidate when it came from a
 * trusted proxy (behind-ingress mode); on the direct listener every incoming copy is removed, whatever
 * the mode.
 *
 * <ul>
 *   <li>{@code sanitize} (the default, Envoy's {@code SANITIZE}): no XFCC reaches the upstream.
 *   <li>{@code forward-only} ({@code FORWARD_ONLY}): the trusted incoming XFCC is passed on unchanged;
 *       nothing is added.
 *   <li>{@code append} ({@code APPEND_FORWARD}): the trusted incoming XFCC, then this gateway's element.
 *   <li>{@code set} ({@code SANITIZE_SET}): this gateway's element alone.
 * </ul>
 */
public enum XfccMode {
    SANITIZE("sanitize"), FORWARD_ONLY("forward-only"), APPEND("append"), SET("set");

    private final String configName;

    XfccMode(String configName) {
        this.configName = configName;
    }

    @JsonValue
    public String configName() {
        return configName;
    }

    /** Reads the config name; case and surrounding blanks do not matter, {@code forward_only} also works. */
    @JsonCreator
    public static XfccMode fromConfigName(String name) {
        String text = name == null ? "" : name.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        for (XfccMode mode : values()) {
            if (mode.configName.equals(text)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not one of sanitize, forward-only, append, set");
    }
}
