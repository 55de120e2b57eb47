package io.mtlsproxy.policy.revocation;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.RevocationConfig.DenyListConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.Thumbprints;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client certificates the gateway refuses at once, whatever CRLs and OCSP say
 * ({@code revocation.denyList}): by serial (optionally scoped to an issuer DN), SHA-1 or SHA-256
 * thumbprint, or SPKI SHA-256 pin. Entries apply to the client's own (leaf) certificate.
 *
 * <p>Inline entries are fixed; the optional file is re-read by {@link #refresh()} when its
 * modification time, size or identity changes. A file that cannot be read or has a bad line is
 * refused as a whole (logged once per version) and the last good content stays in force.
 *
 * <p>{@link #match} is a few hash lookups on strings {@link ClientIdentity} already holds: no
 * allocation, no lock. {@link #refresh} is for one background thread at a time.
 */
public final class DenyList {
    private static final Logger log = LoggerFactory.getLogger(DenyList.class);
    private static final long MAX_FILE_BYTES = 16L * 1024 * 1024;
    private static final String FILE_SETTING = "revocation.denyList.file";

    private final Entries inline;
    private final Path file;
    private final Runnable onChange;
    private final Counters counters;
    private volatile Entries active;
    private Entries fileEntries;
    private FileStamp stamp;
    private String lastProblem;

    private DenyList(Entries inline, Path file, Entries fileEntries, FileStamp stamp, Runnable onChange, Counters counters) {
        this.inline = inline;
        this.file = file;
        this.fileEntries = fileEntries;
        this.stamp = stamp;
        this.onChange = onChange;
        this.counters = counters;
        this.active = inline.plus(fileEntries);
    }

    /**
     * Compiles the inline entries and reads the file, if one is set.
     *
     * @param onChange run (on the thread calling {@link #refresh()}) when a new file version changes the entries
     * @throws ConfigException naming each bad entry ({@code revocation.denyList.serials[2]: ...}) or the unreadable file
     */
    public static DenyList fromConfig(DenyListConfig config, Runnable onChange) throws ConfigException {
        return fromConfig(config, onChange, new Counters());
    }

    static DenyList fromConfig(DenyListConfig config, Runnable onChange, Counters counters) throws ConfigException {
        Objects.requireNonNull(onChange, "onChange");
        List<String> problems = new ArrayList<>();
        Builder inline = new Builder();
        for (int i = 0; i < config.serials().size(); i++) {
            String at = "revocation.denyList.serials[" + i + "]";
            inline.add("serial", config.serials().get(i), at, problems);
        }
        for (int i = 0; i < config.thumbprints().size(); i++) {
            String at = "revocation.denyList.thumbprints[" + i + "]";
            inline.add("thumbprint", config.thumbprints().get(i), at, problems);
        }
        for (int i = 0; i < config.spki().size(); i++) {
            String at = "revocation.denyList.spki[" + i + "]";
            inline.add("spki", config.spki().get(i), at, problems);
        }
        Entries fromFile = Entries.EMPTY;
        FileStamp stamp = null;
        if (config.file() != null) {
            try {
                stamp = FileStamp.of(config.file());
                fromFile = parseFile(config.file());
            } catch (DenyListException e) {
                problems.add(FILE_SETTING + ": " + e.getMessage());
            } catch (IOException e) {
                problems.add(FILE_SETTING + ": " + config.file() + " cannot be read (" + describe(e) + ")");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new DenyList(inline.build(), config.file(), fromFile, stamp, onChange, counters);
    }

    /** The entry that refuses this client's certificate, or null. Allocation-free. */
    public Match match(ClientIdentity identity) {
        Entries entries = active;
        if (entries.isEmpty()) {
            return null;
        }
        Match match = entries.serials.get(identity.serial());
        if (match != null) {
            return match;
        }
        Map<String, Match> scoped = entries.scopedSerials.get(identity.issuer().canonical());
        if (scoped != null && (match = scoped.get(identity.serial())) != null) {
            return match;
        }
        if ((match = entries.thumbprints.get(identity.sha256())) != null) {
            return match;
        }
        if ((match = entries.thumbprints.get(identity.sha1())) != null) {
            return match;
        }
        return entries.spki.get(identity.spkiSha256());
    }

    /** Number of entries in force (inline and file). */
    public int size() {
        return active.size();
    }

    /** True when nothing can ever be denied: no inline entry and no file. */
    public boolean isEmpty() {
        return inline.isEmpty() && file == null;
    }

    /**
     * Re-reads the file when it changed since the last look. A broken version is logged (once) and
     * the last good entries kept. Never throws. Meant for one background thread.
     */
    public synchronized void refresh() {
        if (file == null) {
            return;
        }
        FileStamp now;
        try {
            now = FileStamp.of(file);
        } catch (IOException e) {
            refuse("cannot be read (" + describe(e) + ")", null);
            return;
        }
        if (now.equals(stamp)) {
            return;
        }
        Entries parsed;
        try {
            parsed = parseFile(file);
        } catch (DenyListException e) {
            refuse(e.getMessage(), now);
            return;
        } catch (IOException e) {
            refuse("cannot be read (" + describe(e) + ")", null);
            return;
        }
        stamp = now;
        lastProblem = null;
        boolean changed = !parsed.equals(fileEntries);
        fileEntries = parsed;
        if (changed) {
            active = inline.plus(parsed);
            counters.denyListReloads.increment();
            log.info("revocation: deny list {} reloaded: {} entries in force", file, active.size());
            onChange.run();
        }
    }

    private void refuse(String problem, FileStamp version) {
        if (version != null) {
            stamp = version; // this version is judged; a later write gets its own look
        }
        if (!problem.equals(lastProblem)) {
            lastProblem = problem;
            counters.denyListReloadFailures.increment();
            log.warn("revocation: deny list {}: {}; keeping the last good version ({} entries in force)",
                    file, problem, active.size());
        }
    }

    private static Entries parseFile(Path file) throws IOException, DenyListException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new DenyListException(file + " is larger than " + MAX_FILE_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new DenyListException(file + " is not UTF-8 text");
        }
        Builder builder = new Builder();
        List<String> problems = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (i == 0 && line.startsWith("\ufeff")) {
                line = line.substring(1);
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String at = file + " line " + (i + 1);
            int colon = line.indexOf(':');
            String kind = colon < 0 ? "" : line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = colon < 0 ? "" : line.substring(colon + 1).strip();
            switch (kind) {
                case "serial", "spki" -> builder.add(kind, value, at, problems);
                case "sha1", "sha256" -> builder.addThumbprint(kind, value, at, problems);
                default -> problems.add(at + ": write serial:HEX, serial:ISSUER-DN#HEX, sha256:HEX, sha1:HEX or spki:BASE64");
            }
            if (problems.size() >= 5) {
                break;
            }
        }
        if (!problems.isEmpty()) {
            throw new DenyListException(String.join("; ", problems));
        }
        return builder.build();
    }

    private static String describe(IOException e) {
        return e instanceof NoSuchFileException ? "no such file" : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /**
     * The deny-list entry that matched.
     *
     * @param entry the entry in canonical form, e.g. {@code serial:1a2b} or {@code sha256:ab..}
     * @param source where it is written: a setting or a file line
     */
    public record Match(String entry, String source) {
        @Override
        public String toString() {
            return entry + " (" + source + ")";
        }
    }

    private static final class DenyListException extends Exception {
        DenyListException(String message) {
            super(message);
        }
    }

    /** Modification time, size and file identity: a change to any is a new version. */
    private record FileStamp(long modifiedMillis, long size, Object fileKey) {
        static FileStamp of(Path file) throws IOException {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new FileStamp(attributes.lastModifiedTime().toMillis(), attributes.size(), attributes.fileKey());
        }
    }

    /** One immutable set of entries, keyed by the forms {@link ClientIdentity} holds. */
    private record Entries(
            Map<String, Match> serials,
            Map<String, Map<String, Match>> scopedSerials,
            Map<String, Match> thumbprints,
            Map<String, Match> spki) {
        static final Entries EMPTY = new Entries(Map.of(), Map.of(), Map.of(), Map.of());

        boolean isEmpty() {
            return serials.isEmpty() && scopedSerials.isEmpty() && thumbprints.isEmpty() && spki.isEmpty();
        }

        int size() {
            return serials.size() + scopedSerials.values().stream().mapToInt(Map::size).sum() + thumbprints.size() + spki.size();
        }

        Entries plus(Entries other) {
            if (other.isEmpty()) {
                return this;
            }
            Builder builder = new Builder();
            builder.addAll(other);
            builder.addAll(this); // inline entries name the setting: they win over a file line for the same key
            return builder.build();
        }

        /** Same keys: a new file version that only moves lines around changes nothing. */
        @Override
        public boolean equals(Object o) {
            return o instanceof Entries other
                    && serials.keySet().equals(other.serials.keySet())
                    && scopedKeys().equals(other.scopedKeys())
                    && thumbprints.keySet().equals(other.thumbprints.keySet())
                    && spki.keySet().equals(other.spki.keySet());
        }

        @Override
        public int hashCode() {
            return Objects.hash(serials.keySet(), scopedKeys(), thumbprints.keySet(), spki.keySet());
        }

        private Map<String, java.util.Set<String>> scopedKeys() {
            Map<String, java.util.Set<String>> keys = new HashMap<>();
            scopedSerials.forEach((issuer, bySerial) -> keys.put(issuer, bySerial.keySet()));
            return keys;
        }
    }

    private static final class Builder {
        private final Map<String, Match> serials = new HashMap<>();
        private final Map<String, Map<String, Match>> scopedSerials = new HashMap<>();
        private final Map<String, Match> thumbprints = new HashMap<>();
        private final Map<String, Match> spki = new HashMap<>();

        void add(String kind, String value, String at, List<String> problems) {
            if (value == null || value.isBlank()) {
                problems.add(at + ": empty entry");
                return;
            }
            switch (kind) {
                case "serial" -> addSerial(value.strip(), at, problems);
                case "thumbprint" -> addThumbprint(null, value, at, problems);
                case "spki" -> addSpki(value.strip(), at, problems);
                default -> throw new IllegalArgumentException(kind);
            }
        }

        void addThumbprint(String kind, String value, String at, List<String> problems) {
            Optional<String> normalized = Thumbprints.normalize(value);
            int wanted = "sha1".equals(kind) ? 40 : "sha256".equals(kind) ? 64 : 0;
            if (normalized.isEmpty() || (wanted != 0 && normalized.get().length() != wanted)) {
                problems.add(at + ": '" + value + "' is not a "
                        + (wanted == 40 ? "SHA-1 (40 hex)" : wanted == 64 ? "SHA-256 (64 hex)" : "SHA-1 (40 hex) or SHA-256 (64 hex)")
                        + " thumbprint");
                return;
            }
            String hex = normalized.get();
            thumbprints.put(hex, new Match((hex.length() == 40 ? "sha1:" : "sha256:") + hex, at));
        }

        private void addSerial(String value, String at, List<String> problems) {
            int hash = value.lastIndexOf('#');
            String issuerText = hash < 0 ? null : value.substring(0, hash).strip();
            String serialText = hash < 0 ? value : value.substring(hash + 1);
            String serial = serial(serialText);
            if (serial == null) {
                problems.add(at + ": '" + serialText.strip() + "' is not a hex serial number");
                return;
            }
            if (issuerText == null) {
                serials.put(serial, new Match("serial:" + serial, at));
                return;
            }
            String issuer;
            try {
                issuer = new X500Principal(issuerText).getName(X500Principal.CANONICAL);
            } catch (IllegalArgumentException e) {
                problems.add(at + ": '" + issuerText + "' is not an issuer distinguished name (" + e.getMessage() + ")");
                return;
            }
            scopedSerials.computeIfAbsent(issuer, i -> new HashMap<>())
                    .put(serial, new Match("serial:" + issuerText + "#" + serial, at));
        }

        private void addSpki(String value, String at, List<String> problems) {
            byte[] hash;
            try {
                hash = Base64.getDecoder().decode(value);
            } catch (IllegalArgumentException e) {
                hash = null;
            }
            if (hash == null || hash.length != 32) {
                problems.add(at + ": '" + value + "' is not a base64 SHA-256 SPKI pin (32 bytes)");
                return;
            }
            String pin = Base64.getEncoder().encodeToString(hash);
            spki.put(pin, new Match("spki:" + pin, at));
        }

        /** Lower-case hex without leading zeros, as {@link ClientIdentity#serial()} writes it; null when not hex. */
        private static String serial(String text) {
            String hex = text.strip().replace(":", "").replace(" ", "");
            if (hex.startsWith("0x") || hex.startsWith("0X")) {
                hex = hex.substring(2);
            }
            if (hex.isEmpty() || hex.length() > 128) {
                return null;
            }
            for (int i = 0; i < hex.length(); i++) {
                if (Character.digit(hex.charAt(i), 16) < 0 || hex.charAt(i) > 'f') {
                    return null;
                }
            }
            return new BigInteger(hex, 16).toString(16);
        }

        void addAll(Entries entries) {
            serials.putAll(entries.serials);
            entries.scopedSerials.forEach((issuer, bySerial) ->
                    scopedSerials.computeIfAbsent(issuer, i -> new HashMap<>()).putAll(bySerial));
            thumbprints.putAll(entries.thumbprints);
            spki.putAll(entries.spki);
        }

        Entries build() {
            Map<String, Map<String, Match>> scoped = new HashMap<>();
            scopedSerials.forEach((issuer, bySerial) -> scoped.put(issuer, Map.copyOf(bySerial)));
            return new Entries(Map.copyOf(serials), Map.copyOf(scoped), Map.copyOf(thumbprints), Map.copyOf(spki));
        }
    }
}
