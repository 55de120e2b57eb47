package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Writes YAML into a test's folder and loads it; the files it names never exist (loading reads none). */
final class ConfigFixture {
    /** The smallest valid configuration: server key material and one trust anchor. */
    static final String MINIMAL = """
            tls:
              certificate: /etc/mtls-proxy/server.pem
              privateKey: /etc/mtls-proxy/server.key
              trustAnchors: [/etc/mtls-proxy/devices-ca.pem]
            """;

    private final Path dir;

    ConfigFixture(Path dir) {
        this.dir = dir;
    }

    Path write(String yaml) {
        try {
            return Files.writeString(dir.resolve("mtls-proxy.yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    GatewayConfig load(String yaml) throws ConfigException {
        return load(yaml, Map.of());
    }

    GatewayConfig load(String yaml, Map<String, String> env) throws ConfigException {
        return new ConfigLoader(env).load(write(yaml));
    }

    /** MINIMAL plus more sections (which must not repeat tls). */
    GatewayConfig loadWith(String moreYaml) throws ConfigException {
        return load(MINIMAL + moreYaml);
    }

    List<String> problems(String yaml) {
        return problems(yaml, Map.of());
    }

    List<String> problems(String yaml, Map<String, String> env) {
        return problemsOf(write(yaml), env);
    }

    /** The problems of loading an existing file. */
    List<String> problemsOf(Path file, Map<String, String> env) {
        ConfigException refusal = catchThrowableOfType(ConfigException.class, () -> new ConfigLoader(env).load(file));
        assertThat(refusal).as("expected %s to be refused", file).isNotNull();
        return refusal.problems();
    }

    static List<String> environmentProblems(Map<String, String> env) {
        ConfigException refusal = catchThrowableOfType(ConfigException.class,
                () -> new ConfigLoader(env).loadFromEnvironment());
        assertThat(refusal).as("expected the environment to be refused: %s", env.keySet()).isNotNull();
        return refusal.problems();
    }
}
