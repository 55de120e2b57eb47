package io.mtlsproxy.server;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** The cache's ticker and timeout scheduler on one fake time that moves only when the test says. */
final class ManualTime implements Ticker, Scheduler {
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

    /** Tasks scheduled and neither run nor cancelled: e.g. the timeout of a backend call in flight. */
    synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.handle().isDone()).count();
    }

    /** Moves time on and runs every task due by then that was not cancelled. */
    void advance(Duration duration) {
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
        for (Task task : due) {
            if (task.handle().complete(null)) {
                task.executor().execute(task.command());
            }
        }
    }
}
