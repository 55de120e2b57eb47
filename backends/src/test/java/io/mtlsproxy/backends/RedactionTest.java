package io.mtlsproxy.backends;

import static io.mtlsproxy.backends.Futures.failure;
import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.Secret;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A secret value must not appear in any text a failure or a value can print. */
class RedactionTest {
    private static final String VALUE = "hunter2-do-not-log";

    @TempDir
    Path dir;

    /** Everything printStackTrace shows: messages and the whole cause chain. */
    private static String printed(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    private FileBackend files() {
        return new FileBackend(new BackendConfig.Files("files", dir, true), Runnable::run);
    }

    @Test
    void secretValueToStringLeavesTheValueOut() {
        SecretValue secret = SecretValue.withDerivedVersion("db-password", VALUE, "settings", "appsettings");

        assertThat(secret.toString()).contains("db-password", secret.version(), "settings")
                .doesNotContain(VALUE);
    }

    @Test
    void notFoundForAnotherVersionLeavesTheValueOut() {
        AppSettingsBackend backend = new AppSettingsBackend(
                new BackendConfig.AppSettings("settings", "VAR_", Map.of("db", new Secret(VALUE))), Map.of());

        Throwable e = failure(backend.fetch(new SecretRef("db", "0000000000000000")));

        assertThat(e).isInstanceOf(SecretNotFoundException.class);
        assertThat(printed(e)).doesNotContain(VALUE);
    }

    @Test
    void unavailableForAnOversizedFileLeavesTheValueOut() throws IOException {
        Files.writeString(dir.resolve("large"), VALUE.repeat(FileBackend.MAX_SECRET_BYTES / VALUE.length() + 1));

        Throwable e = failure(files().fetch(SecretRef.latest("large")));

        assertThat(e).isInstanceOf(SecretUnavailableException.class);
        assertThat(printed(e)).doesNotContain(VALUE);
    }

    @Test
    void unavailableWithACauseLeavesTheValueOut() throws IOException {
        Files.writeString(dir.resolve("db"), VALUE);
        FileBackend backend = new FileBackend(new BackendConfig.Files("files", dir, true), task -> {
            throw new RejectedExecutionException("full");
        });
        SecretUnavailableException throttled =
                new SecretUnavailableException("db", "vault", "throttled", Duration.ofSeconds(3), null);

        Throwable e = failure(backend.fetch(SecretRef.latest("db")));

        assertThat(e).isInstanceOf(SecretUnavailableException.class).hasCauseInstanceOf(RejectedExecutionException.class);
        assertThat(printed(e)).doesNotContain(VALUE);
        assertThat(throttled.retryAfter()).hasValue(Duration.ofSeconds(3));
        assertThat(printed(throttled)).contains("db", "vault", "throttled");
    }

    @Test
    void undecodableContentLeavesTheValueOut() throws IOException {
        byte[] text = VALUE.getBytes(StandardCharsets.UTF_8);
        byte[] content = new byte[text.length + 1];
        System.arraycopy(text, 0, content, 0, text.length);
        content[text.length] = (byte) 0xff;
        Files.write(dir.resolve("binary"), content);

        Throwable e = failure(files().fetch(SecretRef.latest("binary")));

        assertThat(e).isExactlyInstanceOf(SecretBackendException.class);
        assertThat(printed(e)).doesNotContain(VALUE);
    }

    @Test
    void invalidNameIsNotEchoed() {
        // A client that pastes a value where a name belongs must not see it in logs either.
        Throwable e = failure(files().fetch(SecretRef.latest("../" + VALUE)));

        assertThat(e).isInstanceOf(InvalidSecretNameException.class);
        assertThat(printed(e)).doesNotContain(VALUE);
    }

    @Test
    void cachedAndStaleAnswersLeaveTheValueOut() {
        SecretValue secret = SecretValue.withDerivedVersion("db-password", VALUE, "vault", "test");

        assertThat(new CachedSecret(secret, true).toString()).contains("db-password", "stale=true")
                .doesNotContain(VALUE);
    }

    @Test
    void timeoutAndOpenBreakerLeaveTheValueOut() {
        assertThat(printed(new SecretTimeoutException("db", "vault", Duration.ofSeconds(5))))
                .contains("db", "vault", "5000 ms").doesNotContain(VALUE);
        assertThat(printed(new CircuitOpenException("db", "vault", Duration.ofSeconds(20))))
                .contains("circuit breaker open").doesNotContain(VALUE);
    }
}
