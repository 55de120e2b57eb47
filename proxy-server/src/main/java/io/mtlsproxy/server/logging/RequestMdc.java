package io.mtlsproxy.server.logging;

import io.netty.util.concurrent.FastThreadLocal;
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
     * The request this thread is in, as {@link #enter} last set it: the nesting check reads this
     * (an indexed slot on an event loop) instead of asking the MDC, which cost more than the two
     * puts themselves on every request.
     */
    private static final FastThreadLocal<String[]> CURRENT = new FastThreadLocal<>() {
        @Override
        protected String[] initialValue() {
            return new String[2];
        }
    };

    /**
     * Puts the request's fields into this thread's MDC and returns what was there, for {@link #restore}
     * (a nested request, e.g. the next pipelined one answered from inside the previous one's write).
     */
    public static String enter(String requestId, String client) {
        String[] current = CURRENT.get();
        // nested only (a pipelined request answered inside the previous one's write): save both fields
        String saved = current[0] == null ? null : current[0] + '\n' + current[1];
        current[0] = requestId;
        current[1] = client;
        MDC.put(REQUEST_ID, requestId);
        MDC.put(CLIENT, client);
        return saved;
    }

    /** Puts back what {@link #enter} found. */
    public static void restore(String previous) {
        String[] current = CURRENT.get();
        if (previous == null) {
            current[0] = null;
            current[1] = null;
            MDC.remove(REQUEST_ID);
            MDC.remove(CLIENT);
            return;
        }
        int split = previous.indexOf('\n');
        current[0] = previous.substring(0, split);
        MDC.put(REQUEST_ID, current[0]);
        String client = previous.substring(split + 1);
        if ("null".equals(client)) {
            current[1] = null;
            MDC.remove(CLIENT);
        } else {
            current[1] = client;
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
