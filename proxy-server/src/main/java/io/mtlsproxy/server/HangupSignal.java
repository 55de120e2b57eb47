package io.mtlsproxy.server;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP as a reload trigger, through {@code sun.misc.Signal} (jdk.unsupported). Platforms
 * without SIGHUP (Windows) or JVMs without the class get no handler, and say so.
 */
public final class HangupSignal {
    private static final Logger log = LoggerFactory.getLogger(HangupSignal.class);

    private HangupSignal() {}

    /**
     * Runs {@code onHangup} on every SIGHUP. It runs on the JVM's signal thread: it should only
     * hand the work to another thread.
     *
     * @return a handle that puts the previous handler back, or empty when SIGHUP cannot be handled here
     */
    public static Optional<AutoCloseable> install(Runnable onHangup) {
        try {
            sun.misc.Signal hup = new sun.misc.Signal("HUP");
            sun.misc.SignalHandler previous = sun.misc.Signal.handle(hup, signal -> onHangup.run());
            return Optional.of(() -> sun.misc.Signal.handle(hup, previous));
        } catch (LinkageError | IllegalArgumentException | UnsupportedOperationException e) {
            log.info("SIGHUP is not available on this platform ({}); reload through a file change or the admin listener",
                    e.toString());
            return Optional.empty();
        }
    }
}
