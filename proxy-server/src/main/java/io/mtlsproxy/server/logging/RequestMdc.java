package io.mtlsproxy.server.logging;

import java.util.function.BiFunction;
import org.slf4j.MDC;

/**
 * The request id and client address in the logging MDC while a request is being handled, so
 * every line logged for it carries them. Set and cleared on the same thread; work that continues
 * on another thread (a backend's completion, a later event-loop task) carries them over with
 * {@link #propagate}.
 */
public final class RequestMdc {
    public static final String REQUEST_ID = "requestId";
    public static final String CLIENT = "client";

    private RequestMdc() {}

    /**
     * Puts the request's fields into this thread's MDC and returns what was there, for {@link #restore}
     * (a nested request, e.g. the next pipelined one answered from inside the previous one's write).
     */
    public static String enter(String requestId, String client) {
        String previous = MDC.get(REQUEST_ID);
        // nested only (a pipelined request answered inside the previous one's write): save both fields
        String saved = previous == null ? null : previous + '\n' + MDC.get(CLIENT);
        MDC.put(REQUEST_ID, requestId);
        MDC.put(CLIENT, client);
        return saved;
    }

    /** Puts back what {@link #enter} found. */
    public static void restore(String previous) {
        if (previous == null) {
            MDC.remove(REQUEST_ID);
            MDC.remove(CLIENT);
            return;
        }
        int split = previous.indexOf('\n');
        MDC.put(REQUEST_ID, previous.substring(0, split));
        String client = previous.substring(split + 1);
        if ("null".equals(client)) {
            MDC.remove(CLIENT);
        } else {
            MDC.put(CLIENT, client);
        }
    }

    /** Runs {@code task} with the current thread's request fields, wherever it runs later. */
    public static Runnable propagate(Runnable task) {
        String requestId = MDC.get(REQUEST_ID);
        if (requestId == null) {
            return task;
        }
        String client = MDC.get(CLIENT);
        return () -> {
            String previous = enter(requestId, client);
            try {
                task.run();
            } finally {
                restore(previous);
            }
        };
    }

    /** As {@link #propagate(Runnable)}, for a {@code CompletableFuture.handle} stage. */
    public static <T, U, R> BiFunction<T, U, R> propagate(BiFunction<T, U, R> stage) {
        String requestId = MDC.get(REQUEST_ID);
        if (requestId == null) {
            return stage;
        }
        String client = MDC.get(CLIENT);
        return (t, u) -> {
            String previous = enter(requestId, client);
            try {
                return stage.apply(t, u);
            } finally {
                restore(previous);
            }
        };
    }
}
