package io.mtlsproxy.server.audit;

import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.config.AuditConfig;
import io.mtlsproxy.core.config.ConfigException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit file: one JSON object per line, appended in batches, hash-chained unless the config
 * turns it off (see {@link HashChain}). Used by the audit writer thread alone, so it hashes and
 * writes off the event loops and needs no lock.
 *
 * <p>On open it reads the file's last line and continues the chain from it, so a restart does
 * not start a second chain. Each batch is one write to the OS (it survives a crash of the
 * process); with {@code audit.fsync} it is also forced to the disk.
 */
final class AuditFile implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuditFile.class);
    private static final int TAIL_CHUNK = 8192;

    private final Path path;
    private final FileChannel channel;
    private final boolean hashChain;
    private final boolean fsync;
    private final MessageDigest digest = HashChain.sha256();
    private final AsyncAuditLog.Timestamps timestamps = new AsyncAuditLog.Timestamps();
    private final StringBuilder line = new StringBuilder(512);
    private String lastHash;
    private boolean needsNewline;
    private ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

    private AuditFile(Path path, FileChannel channel, boolean hashChain, boolean fsync) throws IOException {
        this.path = path;
        this.channel = channel;
        this.hashChain = hashChain;
        this.fsync = fsync;
        readTail();
    }

    static AuditFile open(AuditConfig config) throws ConfigException {
        Path path = config.file();
        try {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            createPrivately(path);
            FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            try {
                AuditFile file = new AuditFile(path, channel, config.hashChain(), config.fsync());
                log.info("audit trail: {} ({}, {}), chain continues from {}", path,
                        config.hashChain() ? "hash-chained" : "not chained", config.fsync() ? "fsync per batch" : "flushed per batch",
                        file.lastHash.equals(HashChain.GENESIS) ? "the genesis value (new file)" : file.lastHash);
                return file;
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException e) {
            throw new ConfigException("audit.file: " + path + " cannot be opened for appending ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    /** Audit records name who read what: readable by the owner and group only. */
    private static void createPrivately(Path path) throws IOException {
        if (Files.exists(path)) {
            return;
        }
        try {
            if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")));
            } else {
                Files.createFile(path);
            }
        } catch (FileAlreadyExistsException raced) {
            // created meanwhile: append to it
        }
    }

    /** Formats, chains and writes one batch; on failure the chain is re-read from the file. */
    void write(List<AuditEvent> events) throws IOException {
        buffer.clear();
        String hashBefore = lastHash;
        if (needsNewline) {
            put(new byte[] {'\n'});
        }
        for (AuditEvent event : events) {
            line.setLength(0);
            line.append('{');
            if (hashChain) {
                line.append("\"prev\":\"").append(lastHash).append("\",");
            }
            AuditRecords.appendFields(event, timestamps, line);
            byte[] bytes;
            if (hashChain) {
                byte[] content = line.toString().getBytes(StandardCharsets.UTF_8);
                String hash = HashChain.sha256Hex(digest, content, 0, content.length);
                line.append(",\"hash\":\"").append(hash).append("\"}");
                bytes = line.toString().getBytes(StandardCharsets.UTF_8);
                lastHash = HashChain.sha256Hex(digest, bytes, 0, bytes.length);
            } else {
                line.append('}');
                bytes = line.toString().getBytes(StandardCharsets.UTF_8);
            }
            put(bytes);
            put(new byte[] {'\n'});
        }
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            if (fsync) {
                channel.force(false);
            }
            needsNewline = false;
        } catch (IOException e) {
            lastHash = hashBefore;
            try {
                readTail(); // part of the batch may have reached the file: chain on from what is there
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    Path path() {
        return path;
    }

    private void put(byte[] bytes) {
        if (buffer.remaining() < bytes.length) {
            ByteBuffer larger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes.length));
            buffer.flip();
            larger.put(buffer);
            buffer = larger;
        }
        buffer.put(bytes);
    }

    /** Sets {@link #lastHash} to the SHA-256 of the file's last line, or the genesis value for an empty file. */
    private void readTail() throws IOException {
        try (FileChannel reader = FileChannel.open(path, StandardOpenOption.READ)) {
            readTail(reader);
        }
    }

    private void readTail(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size == 0) {
            lastHash = HashChain.GENESIS;
            needsNewline = false;
            return;
        }
        long end = size;
        ByteBuffer one = ByteBuffer.allocate(1);
        channel.read(one, size - 1);
        boolean terminated = one.get(0) == '\n';
        if (terminated) {
            end = size - 1;
        } else {
            log.warn("audit.file: {} ends in an incomplete line (cut off mid-write?); the chain continues after it "
                    + "and verify-audit will report that line", path);
        }
        long start = startOfLine(channel, end);
        ByteBuffer last = ByteBuffer.allocate(Math.toIntExact(end - start));
        while (last.hasRemaining() && channel.read(last, start + last.position()) >= 0) {
            // read the whole last line
        }
        byte[] bytes = last.array();
        lastHash = HashChain.sha256Hex(digest, bytes, 0, bytes.length);
        needsNewline = !terminated;
    }

    /** The offset just after the last newline before {@code end}, or 0. */
    private static long startOfLine(FileChannel channel, long end) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(TAIL_CHUNK);
        long pos = end;
        while (pos > 0) {
            int length = (int) Math.min(TAIL_CHUNK, pos);
            chunk.clear().limit(length);
            long from = pos - length;
            while (chunk.hasRemaining() && channel.read(chunk, from + chunk.position()) >= 0) {
                // fill the chunk
            }
            for (int i = length - 1; i >= 0; i--) {
                if (chunk.get(i) == '\n') {
                    return from + i + 1;
                }
            }
            pos = from;
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
