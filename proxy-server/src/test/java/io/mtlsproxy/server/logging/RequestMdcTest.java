package io.mtlsproxy.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The request's MDC fields follow its work to other threads and are put back as they were. */
class RequestMdcTest {
    private final ExecutorService other = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        other.shutdownNow();
        MDC.clear();
    }

    @Test
    void enterAndRestoreNest() {
        String outer = RequestMdc.enter("first", "10.0.0.1:1");
        String inner = RequestMdc.enter("second", "10.0.0.2:2");
        assertThat(MDC.get(RequestMdc.REQUEST_ID)).isEqualTo("second");

        RequestMdc.restore(inner);
        assertThat(MDC.get(RequestMdc.REQUEST_ID)).isEqualTo("first");
        assertThat(MDC.get(RequestMdc.CLIENT)).isEqualTo("10.0.0.1:1");
        RequestMdc.restore(outer);
        assertThat(MDC.get(RequestMdc.REQUEST_ID)).isNull();
        assertThat(MDC.get(RequestMdc.CLIENT)).isNull();
    }

    @Test
    void propagatedTaskSeesTheRequestOnAnotherThreadAndLeavesItClean() throws Exception {
        String outer = RequestMdc.enter("req-7", "10.0.0.7:7");
        Map<String, String> seen = new HashMap<>();
        Runnable task = RequestMdc.propagate(() -> seen.put("inside", MDC.get(RequestMdc.REQUEST_ID)));
        BiFunction<String, Throwable, String> stage = RequestMdc.propagate((value, failure) -> MDC.get(RequestMdc.CLIENT));
        RequestMdc.restore(outer);

        other.submit(task).get(5, TimeUnit.SECONDS);
        String client = CompletableFuture.supplyAsync(() -> "x", other).handle(stage).get(5, TimeUnit.SECONDS);
        String after = other.submit(() -> MDC.get(RequestMdc.REQUEST_ID)).get(5, TimeUnit.SECONDS);

        assertThat(seen).containsEntry("inside", "req-7");
        assertThat(client).isEqualTo("10.0.0.7:7");
        assertThat(after).as("the worker thread is left clean").isNull();
    }

    @Test
    void withoutARequestNothingIsWrapped() {
        Runnable task = () -> { };
        assertThat(RequestMdc.propagate(task)).isSameAs(task);
    }
}
