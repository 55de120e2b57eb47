package io.mtlsproxy.server;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the configuration file and the files it names, and calls back once their content has
 * changed and then stayed still for the debounce period, on the scheduler's thread.
 *
 * <p>It watches their directories (a WatchService cannot watch a file), and the directory of each
 * symlink's target too. Kubernetes mounts a secret as symlinks into {@code ..data}, itself a
 * symlink swapped atomically on update: the files' own names see no event, so any event on a
 * {@code ..}-name counts. An event alone proves nothing (an editor's temporary file, a touch):
 * the callback runs only when a watched file's content differs from what it was when last
 * {@link #watch watched}.
 */
final class FileWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FileWatcher.class);

    private final WatchService service;
    private final Duration debounce;
    private final ScheduledExecutorService scheduler;
    private final Runnable onChange;
    private final Thread thread;
    private final Set<Path> directories = new HashSet<>();
    private volatile Set<Path> files = Set.of();
    private volatile Set<String> names = Set.of();
    private Map<Path, String> fingerprints = Map.of();
    private ScheduledFuture<?> pending;

    FileWatcher(Duration debounce, ScheduledExecutorService scheduler, Runnable onChange) throws IOException {
        this.service = FileSystems.getDefault().newWatchService();
        this.debounce = debounce;
        this.scheduler = scheduler;
        this.onChange = onChange;
        this.thread = new Thread(this::run, "config-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /** Watches {@code watched} from now on (instead of the earlier set), their current content as the baseline. */
    synchronized void watch(Collection<Path> watched) {
        Set<Path> absolute = new HashSet<>();
        Set<String> fileNames = new HashSet<>();
        for (Path file : watched) {
            Path path = file.toAbsolutePath().normalize();
            absolute.add(path);
            fileNames.add(String.valueOf(path.getFileName()));
            register(path.getParent());
            try {
                Path real = path.toRealPath();
                if (!real.equals(path)) {
                    absolute.add(real);
                    fileNames.add(String.valueOf(real.getFileName()));
                    register(real.getParent());
                }
            } catch (IOException missing) {
                // not there (yet): its directory is watched, and its appearance is a change
            }
        }
        files = Set.copyOf(absolute);
        names = Set.copyOf(fileNames);
        fingerprints = fingerprint(files);
    }

    private void register(Path directory) {
        if (directory == null || directories.contains(directory)) {
            return;
        }
        try {
            directory.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            directories.add(directory);
        } catch (IOException e) {
            log.warn("reload: cannot watch {} for changes ({}); reload with SIGHUP or the admin listener", directory,
                    e.toString());
        }
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = service.take();
                boolean relevant = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        relevant = true;
                    } else if (event.context() instanceof Path name) {
                        String text = name.toString();
                        relevant |= names.contains(text) || text.startsWith("..");
                    }
                }
                key.reset();
                if (relevant) {
                    schedule();
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException stopped) {
            // closed with the gateway
        }
    }

    private synchronized void schedule() {
        if (pending != null) {
            pending.cancel(false);
        }
        try {
            pending = scheduler.schedule(this::settled, debounce.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the gateway is stopping
        }
    }

    /** The files have been still for the debounce period: call back if any content changed. */
    private void settled() {
        synchronized (this) {
            Map<Path, String> now = fingerprint(files);
            if (now.equals(fingerprints)) {
                log.debug("reload: watched files touched but unchanged");
                return;
            }
            fingerprints = now; // a broken file is reported once, not on every touch
        }
        onChange.run();
    }

    private static Map<Path, String> fingerprint(Set<Path> files) {
        Map<Path, String> prints = new HashMap<>();
        MessageDigest digest = sha256();
        for (Path file : files) {
            try {
                prints.put(file, java.util.HexFormat.of().formatHex(digest.digest(Files.readAllBytes(file))));
            } catch (IOException e) {
                prints.put(file, "unreadable: " + e.getClass().getSimpleName());
            }
        }
        return prints;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            log.debug("closing the watch service", e);
        }
        thread.interrupt();
    }
}
