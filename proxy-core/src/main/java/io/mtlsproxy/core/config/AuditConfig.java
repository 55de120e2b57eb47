package io.mtlsproxy.core.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The audit trail: one record per secret access or denial.
 *
 * <p>Without a file, records are lines on the {@code mtls_proxy.audit} logger (as before). With a
 * file, each record is one JSON object per line in it, hash-chained by default, and the logger
 * line is written only when {@code alsoLog} asks for it: the file is the trail, the log a copy.
 *
 * @param file the audit file (appended to; a restart continues its chain); none means the logger only
 * @param hashChain each record carries the SHA-256 of the previous line ({@code prev}) and of itself
 *     ({@code hash}), so {@code mtls-proxy verify-audit} finds an edited, deleted or moved line;
 *     default true when a file is set
 * @param fsync force each written batch to the disk (survives a power cut, costs a disk flush per
 *     batch); default false: each batch is written to the OS at once, which survives a crash of the
 *     process
 * @param alsoLog also write each record on the {@code mtls_proxy.audit} logger when a file is set;
 *     default false
 */
public record AuditConfig(Path file, Boolean hashChain, Boolean fsync, Boolean alsoLog) {

    public AuditConfig {
        hashChain = Objects.requireNonNullElse(hashChain, true);
        fsync = Objects.requireNonNullElse(fsync, false);
        alsoLog = Objects.requireNonNullElse(alsoLog, false);
    }

    public static AuditConfig defaults() {
        return new AuditConfig(null, null, null, null);
    }

    /** Whether records go to the logger: always without a file, on request with one. */
    public boolean logLines() {
        return file == null || alsoLog;
    }
}
