package io.mtlsproxy.server.http;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.mtlsproxy.backends.SecretValue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The {@code {"name","value","version","backend"}} body of each cached secret, encoded once.
 *
 * <p>A device that polls reads the same cached {@link SecretValue} again and again; encoding its
 * JSON on every read cost more than the cache lookup and the access decision together. Entries
 * are keyed by the value object itself (identity, weakly held), so a body lives exactly as long as
 * the backend cache keeps that value, and a new version, being a new object, is encoded afresh.
 * The bytes hold nothing the cached value does not already hold in the same process. One per
 * {@link SecretReader}, so the bodies go with the configuration generation whose backends made
 * the values. Thread-safe.
 */
final class SecretBodies {
    private static final JsonFactory JSON = new JsonFactory();
    private final Cache<SecretValue, byte[]> bodies = Caffeine.newBuilder()
            .weakKeys()
            .maximumSize(100_000) // a bound in case a backend hands out fresh objects for unchanged values
            .executor(Runnable::run) // eviction work on the caller: no hand-off per read
            .build();

    /** The encoded body; the array is shared and must not be changed. */
    byte[] of(SecretValue secret) {
        byte[] body = bodies.getIfPresent(secret);
        if (body == null) {
            body = encode(secret);
            bodies.put(secret, body);
        }
        return body;
    }

    static byte[] encode(SecretValue secret) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + secret.name().length() + secret.value().length() * 2);
        try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeStringField("name", secret.name());
            json.writeStringField("value", secret.value());
            json.writeStringField("version", secret.version());
            json.writeStringField("backend", secret.backend());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
