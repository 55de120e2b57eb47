package io.mtlsproxy.backends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

final class Futures {
    private Futures() {}

    /** The value of a future that must already have succeeded. */
    static <T> T value(CompletableFuture<T> future) {
        assertThat(future).isCompleted();
        return future.join();
    }

    /** The exception a future that must already have failed completed with. */
    static Throwable failure(CompletableFuture<?> future) {
        assertThat(future).isCompletedExceptionally();
        Throwable thrown = catchThrowable(future::join);
        assertThat(thrown).isInstanceOf(CompletionException.class);
        return thrown.getCause();
    }
}
