package io.mtlsproxy.backends;

import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.secret.SecretNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Secrets as files, one per secret, named after it, in one directory: a mounted Kubernetes
 * secret, where each {@code <name>} is a symlink to {@code ..data/<name>} and {@code ..data} to
 * a timestamped directory that the kubelet swaps atomically on update.
 *
 * <p>Links are followed, but a file whose real path is not under the directory's real path is
 * refused, as are names that fail {@link SecretNames} (before any file-system access). Files
 * are read on the given executor, must be UTF-8 and at most {@link #MAX_SECRET_BYTES} long.
 */
public final class FileBackend implements SecretBackend {
    /** A secret is a password, a key or a certificate chain; anything larger is a mistake. */
    public static final int MAX_SECRET_BYTES = 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger(FileBackend.class);

    private final String name;
    private final String type;
    private final Path directory;
    private final boolean trimTrailingNewline;
    private final Executor executor;

    /** @param executor runs the file reads; never an event loop */
    public FileBackend(BackendConfig.Files config, Executor executor) {
        this.name = config.name();
        this.type = config.type();
        this.directory = Objects.requireNonNull(config.directory(), "directory");
        this.trimTrailingNewline = config.trimTrailingNewline();
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public CompletableFuture<SecretValue> fetch(SecretRef ref) {
        Optional<String> problem = SecretNames.problem(ref.name());
        if (problem.isPresent()) {
            return CompletableFuture.failedFuture(new InvalidSecretNameException(problem.get()));
        }
        CompletableFuture<SecretValue> result = new CompletableFuture<>();
        try {
            executor.execute(() -> readInto(result, ref));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(unavailable(ref, "the file reader is overloaded", e));
        }
        return result;
    }

    private void readInto(CompletableFuture<SecretValue> result, SecretRef ref) {
        try {
            result.complete(read(ref));
        } catch (SecretBackendException e) {
            result.completeExceptionally(e);
        } catch (IOException | RuntimeException e) {
            // Includes a NoSuchFileException when the kubelet swaps ..data between resolving the
            // link and opening the file: a retry finds the new file, so it is not a 404.
            result.completeExceptionally(unavailable(ref, "cannot read the secret file", e));
        }
    }

    private SecretValue read(SecretRef ref) throws IOException {
        Path root;
        try {
            // Resolved on every read: the directory may itself be a link that is replaced.
            root = directory.toRealPath();
        } catch (NoSuchFileException e) {
            throw unavailable(ref, "the directory " + directory + " does not exist", e);
        }
        Path file;
        try {
            file = root.resolve(ref.name()).toRealPath();
        } catch (NoSuchFileException e) {
            throw new SecretNotFoundException(ref.name(), name);
        }
        if (!file.startsWith(root)) {
            log.warn("backend '{}': secret '{}' is a link to {}, outside {}; refused", name, ref.name(), file, root);
            throw new SecretNotFoundException(ref.name(), name);
        }
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        // Directories are not secrets, and opening a FIFO or a device could block the reader.
        if (!attributes.isRegularFile()) {
            throw new SecretNotFoundException(ref.name(), name);
        }
        if (attributes.size() > MAX_SECRET_BYTES) {
            throw tooLarge(ref);
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes(MAX_SECRET_BYTES + 1);
        }
        if (bytes.length > MAX_SECRET_BYTES) {
            throw tooLarge(ref); // it grew after the size check
        }
        SecretValue value = SecretValue.withDerivedVersion(ref.name(), text(bytes, ref), name, type);
        if (!ref.accepts(value)) {
            throw new SecretNotFoundException(ref.name(), name);
        }
        return value;
    }

    private String text(byte[] bytes, SecretRef ref) {
        String text;
        try {
            // Strict: binary content decoded leniently would be served silently corrupted.
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SecretBackendException("secret '" + ref.name() + "' in backend '" + name + "' is not UTF-8 text");
        }
        return trimTrailingNewline ? withoutOneLineEnd(text) : text;
    }

    /** Drops the one line end that {@code echo} or an editor appends; further ones are content. */
    private static String withoutOneLineEnd(String text) {
        if (text.endsWith("\r\n")) {
            return text.substring(0, text.length() - 2);
        }
        if (text.endsWith("\n")) {
            return text.substring(0, text.length() - 1);
        }
        return text;
    }

    private SecretUnavailableException tooLarge(SecretRef ref) {
        return unavailable(ref, "the secret file is larger than " + MAX_SECRET_BYTES + " bytes", null);
    }

    private SecretUnavailableException unavailable(SecretRef ref, String reason, Throwable cause) {
        return new SecretUnavailableException(ref.name(), name, reason, null, cause);
    }
}
