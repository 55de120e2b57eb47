package io.mtlsproxy.backends;

import static io.mtlsproxy.backends.Futures.failure;
import static io.mtlsproxy.backends.Futures.value;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.config.BackendConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileBackendTest {
    private static final Executor DIRECT = Runnable::run;

    @TempDir
    Path tmp;
    Path dir;

    @BeforeEach
    void createDirectory() throws IOException {
        dir = Files.createDirectory(tmp.resolve("secrets"));
    }

    private FileBackend backend(boolean trimTrailingNewline, Executor executor) {
        return new FileBackend(new BackendConfig.Files("files", dir, trimTrailingNewline), executor);
    }

    private CompletableFuture<SecretValue> fetch(String name) {
        return backend(true, DIRECT).fetch(SecretRef.latest(name));
    }

    private void write(String name, String content) throws IOException {
        Files.writeString(dir.resolve(name), content);
    }

    @Test
    void readsTheFileNamedAfterTheSecret() throws IOException {
        write("db-password", "s3cr3t");

        SecretValue secret = value(fetch("db-password"));

        assertThat(secret.value()).isEqualTo("s3cr3t");
        assertThat(secret.backend()).isEqualTo("files");
        assertThat(secret.backendType()).isEqualTo("file");
        assertThat(secret.version()).matches("[0-9a-f]{16}");
    }

    @Test
    void trimsOneTrailingLineEndWhenConfigured() throws IOException {
        write("lf", "value\n");
        write("crlf", "value\r\n");
        write("two", "value\n\n");

        assertThat(value(fetch("lf")).value()).isEqualTo("value");
        assertThat(value(fetch("crlf")).value()).isEqualTo("value");
        assertThat(value(fetch("two")).value()).isEqualTo("value\n");
    }

    @Test
    void keepsTrailingNewlineWhenNotConfigured() throws IOException {
        write("lf", "value\n");

        assertThat(value(backend(false, DIRECT).fetch(SecretRef.latest("lf"))).value()).isEqualTo("value\n");
    }

    @Test
    void missingFileIsNotFound() {
        assertThat(failure(fetch("missing"))).isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void directoryIsNotASecret() throws IOException {
        Files.createDirectory(dir.resolve("sub"));

        assertThat(failure(fetch("sub"))).isInstanceOf(SecretNotFoundException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"../outside", "a/b", ".hidden", "..", "", "bad\u0000name", "bad\nname", "a\\b"})
    void refusesInvalidNamesWithoutTouchingTheFileSystem(String name) throws IOException {
        // Each would find a file if it reached the file system.
        Files.writeString(tmp.resolve("outside"), "outside");
        Files.createDirectory(dir.resolve("a"));
        write("a/b", "nested");
        write(".hidden", "hidden");
        QueuedExecutor executor = new QueuedExecutor();

        CompletableFuture<SecretValue> result = backend(true, executor).fetch(SecretRef.latest(name));

        assertThat(failure(result)).isInstanceOf(InvalidSecretNameException.class);
        assertThat(executor.submitted()).isZero();
    }

    @Test
    void refusesNameLongerThan127Characters() throws IOException {
        write("x".repeat(128), "too long");
        write("x".repeat(127), "longest");

        assertThat(failure(fetch("x".repeat(128)))).isInstanceOf(InvalidSecretNameException.class);
        assertThat(value(fetch("x".repeat(127))).value()).isEqualTo("longest");
    }

    @Test
    void refusesLinkResolvingOutsideTheDirectory() throws IOException {
        Path outside = Files.writeString(tmp.resolve("host-key"), "not for devices");
        Files.createSymbolicLink(dir.resolve("absolute"), outside);
        Files.createSymbolicLink(dir.resolve("relative"), Path.of("..", "host-key"));

        assertThat(failure(fetch("absolute"))).isInstanceOf(SecretNotFoundException.class);
        assertThat(failure(fetch("relative"))).isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void readsKubernetesSecretVolumeAcrossAnUpdate() throws IOException {
        kubeletWrites("..2024_01_01_00_00_00.000000001", "v1\n");
        Files.createSymbolicLink(dir.resolve("db-password"), Path.of("..data", "db-password"));

        assertThat(value(fetch("db-password")).value()).isEqualTo("v1");

        kubeletWrites("..2024_01_02_00_00_00.000000002", "v2\n");

        assertThat(value(fetch("db-password")).value()).isEqualTo("v2");
    }

    /** What the kubelet's atomic writer does: a new timestamped directory, then swap ..data. */
    private void kubeletWrites(String timestamped, String content) throws IOException {
        Files.createDirectory(dir.resolve(timestamped));
        Files.writeString(dir.resolve(timestamped).resolve("db-password"), content);
        Path tmpLink = Files.createSymbolicLink(dir.resolve("..data_tmp"), Path.of(timestamped));
        Files.move(tmpLink, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void refusesFileLargerThanTheBound() throws IOException {
        byte[] large = new byte[FileBackend.MAX_SECRET_BYTES + 1];
        Arrays.fill(large, (byte) 'a');
        Files.write(dir.resolve("large"), large);
        Files.write(dir.resolve("at-bound"), Arrays.copyOf(large, FileBackend.MAX_SECRET_BYTES));

        assertThat(failure(fetch("large"))).isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("larger than");
        assertThat(value(fetch("at-bound")).value()).hasSize(FileBackend.MAX_SECRET_BYTES);
    }

    @Test
    void refusesContentThatIsNotUtf8() throws IOException {
        Files.write(dir.resolve("binary"), new byte[] {'o', 'k', (byte) 0xff, (byte) 0xfe});

        assertThat(failure(fetch("binary"))).isExactlyInstanceOf(SecretBackendException.class)
                .hasMessageContaining("not UTF-8");
    }

    @Test
    void missingDirectoryIsUnavailable() throws IOException {
        Files.delete(dir);

        assertThat(failure(fetch("anything"))).isInstanceOf(SecretUnavailableException.class);
    }

    @Test
    void readsOnTheExecutorNotTheCallingThread() throws IOException {
        write("db-password", "s3cr3t");
        QueuedExecutor executor = new QueuedExecutor();

        CompletableFuture<SecretValue> result = backend(true, executor).fetch(SecretRef.latest("db-password"));

        assertThat(result).isNotDone();
        executor.runAll();
        assertThat(value(result).value()).isEqualTo("s3cr3t");
    }

    @Test
    void saturatedExecutorFailsTheFutureInsteadOfThrowing() throws IOException {
        write("db-password", "s3cr3t");
        Executor full = task -> {
            throw new RejectedExecutionException("queue full");
        };

        assertThat(failure(backend(true, full).fetch(SecretRef.latest("db-password"))))
                .isInstanceOf(SecretUnavailableException.class);
    }

    @Test
    void versionChangesExactlyWhenContentChanges() throws IOException {
        write("db-password", "same");
        String first = value(fetch("db-password")).version();
        write("db-password", "same");

        assertThat(value(fetch("db-password")).version()).isEqualTo(first);
        write("db-password", "changed");
        assertThat(value(fetch("db-password")).version()).isNotEqualTo(first);
    }
}
