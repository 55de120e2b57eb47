package io.mtlsproxy.backends;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * What the gateway knows about each backend's calls without making any: how many ended how,
 * and the last outcome, which readiness reports. Latency goes to a {@link Listener} (the
 * metrics), so this module needs no metrics library.
 *
 * <p>Only backend calls pass through here (cache misses and refreshes), never cache hits.
 */
public final class BackendCalls {
    /** How one backend call ended. A missing secret is an answer, not a fault. */
    public enum Outcome {
        OK("ok"), NOT_FOUND("not_found"), INVALID_NAME("invalid_name"), UNAVAILABLE("unavailable"), ERROR("error");

        private final String tag;

        Outcome(String tag) {
            this.tag = tag;
        }

        /** The metric tag. */
        public String tag() {
            return tag;
        }

        /** Whether this outcome says the store answered. */
        public boolean healthy() {
            return this != UNAVAILABLE && this != ERROR;
        }
    }

    /** Told of every call as it ends, on the thread that completed it; must be cheap and never throw. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (backend, outcome, nanos) -> { };

        void called(String backend, Outcome outcome, long nanos);
    }

    /**
     * A backend's health as far as its last call tells.
     *
     * @param backend the backend's name
     * @param type its kind
     * @param lastOutcome how its last call ended, or null when it has not been called yet
     * @param lastCallAt when that call ended, or null
     * @param lastError the last failure's description (type and message, never a value), or null when the last call answered
     */
    public record Health(String backend, String type, Outcome lastOutcome, Instant lastCallAt, String lastError) {
        /** Unknown counts as healthy: readiness must not wait for a device to ask for a secret. */
        public boolean healthy() {
            return lastOutcome == null || lastOutcome.healthy();
        }
    }

    private final Map<String, Tracked> byName;
    private volatile Listener listener = Listener.NONE;

    BackendCalls(Collection<? extends SecretBackend> backends) {
        Map<String, Tracked> tracked = new LinkedHashMap<>();
        for (SecretBackend backend : backends) {
            tracked.put(backend.name(), new Tracked(backend.name(), backend.type()));
        }
        this.byName = Map.copyOf(tracked);
    }

    /** Sets the one listener (the gateway's metrics); replaces any earlier one. */
    public void listen(Listener newListener) {
        this.listener = Objects.requireNonNull(newListener, "listener");
    }

    /** Each backend's health, in no particular order. */
    public Collection<Health> health() {
        return byName.values().stream().map(Tracked::health).toList();
    }

    /** Calls of {@code backend} that ended with {@code outcome} so far; 0 for an unknown backend. */
    public long count(String backend, Outcome outcome) {
        Tracked tracked = byName.get(backend);
        return tracked == null ? 0 : tracked.counts[outcome.ordinal()].sum();
    }

    /** The backends' names. */
    public java.util.Set<String> backends() {
        return byName.keySet();
    }

    /**
     * Watches one call of {@code backend}. The returned future completes after the outcome is
     * recorded, so whoever sees the answer also sees it counted (and readiness updated).
     */
    /** {@code backend} with every fetch on record; closing it closes {@code backend}. */
    SecretBackend tracking(SecretBackend backend) {
        return new SecretBackend() {
            @Override
            public String name() {
                return backend.name();
            }

            @Override
            public String type() {
                return backend.type();
            }

            @Override
            public CompletableFuture<SecretValue> fetch(SecretRef ref) {
                return track(backend, backend.fetch(ref));
            }

            @Override
            public void close() {
                backend.close();
            }
        };
    }

    CompletableFuture<SecretValue> track(SecretBackend backend, CompletableFuture<SecretValue> call) {
        Tracked tracked = byName.get(backend.name());
        if (tracked == null) {
            return call;
        }
        return call.whenComplete(tracked.completion(System.nanoTime()));
    }

    static Outcome outcomeOf(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause == null) {
            return Outcome.OK;
        }
        if (cause instanceof SecretNotFoundException) {
            return Outcome.NOT_FOUND;
        }
        if (cause instanceof InvalidSecretNameException) {
            return Outcome.INVALID_NAME;
        }
        if (cause instanceof SecretUnavailableException) {
            return Outcome.UNAVAILABLE;
        }
        return Outcome.ERROR;
    }

    private final class Tracked {
        final String name;
        final String type;
        final LongAdder[] counts = new LongAdder[Outcome.values().length];
        volatile Health last;

        Tracked(String name, String type) {
            this.name = name;
            this.type = type;
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
            this.last = new Health(name, type, null, null, null);
        }

        BiConsumer<SecretValue, Throwable> completion(long start) {
            return (value, failure) -> {
                long nanos = System.nanoTime() - start;
                Outcome outcome = outcomeOf(failure);
                counts[outcome.ordinal()].increment();
                // backends never put a value in an exception; the message still stays out of metrics labels
                String error = outcome.healthy() ? null : describe(failure);
                last = new Health(name, type, outcome, Instant.now(), error);
                try {
                    listener.called(name, outcome, nanos);
                } catch (RuntimeException ignored) {
                    // metrics must never fail a secret read
                }
            };
        }

        Health health() {
            return last;
        }
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
