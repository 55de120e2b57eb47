package io.mtlsproxy.backends;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** A ticker and a scheduler on the same fake time: scheduled tasks run when a test advances past them. */
public final class FakeTime implements Ticker, Scheduler {
    private long nanos;
    private final List<Task> tasks = new ArrayList<>();

    private record Task(long due, Executor executor, Runnable command, CompletableFuture<Void> handle) {}

    @Override
    public synchronized long read() {
        return nanos;
    }

    @Override
    public synchronized Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
        CompletableFuture<Void> handle = new CompletableFuture<>();
        tasks.add(new Task(nanos + unit.toNanos(delay), executor, command, handle));
        return handle;
    }

    /** Tasks scheduled and neither run nor cancelled. */
    public synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.handle().isDone()).count();
    }

    /** Moves time on and runs, in order, every task due by then that was not cancelled. */
    public void advance(Duration duration) {
        List<Task> due = new ArrayList<>();
        synchronized (this) {
            nanos += duration.toNanos();
            for (Task task : List.copyOf(tasks)) {
                if (task.due() <= nanos) {
                    tasks.remove(task);
                    due.add(task);
                }
            }
        }
        due.sort((a, b) -> Long.compare(a.due(), b.due()));
        for (Task task : due) {
            if (task.handle().complete(null)) { // false when cancelled
                task.executor().execute(task.command());
            }
        }
    }
}
