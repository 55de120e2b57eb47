package io.mtlsproxy.core.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/** A config value that must never be printed: passwords, inline secret values. */
public final class Secret {
    private final String value;

    @JsonCreator
    public Secret(String value) {
        this.value = Objects.requireNonNull(value);
    }

    public String reveal() {
        return value;
    }

    public char[] toChars() {
        return value.toCharArray();
    }

    @JsonValue
    String json() {
        return "****";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return "****";
    }
}
