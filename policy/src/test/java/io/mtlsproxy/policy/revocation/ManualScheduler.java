package io.mtlsproxy.policy.revocation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler driven by the test on a {@link FakeClock}: nothing runs until {@link #runDue()} or
 * {@link #advance(Duration)}, and then on the test's thread, in due order. A task that throws
 * fails the test at the next {@code runDue}/{@code advance}.
 */
final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final FakeClock clock;
    private final PriorityQueue<Task> queue = new PriorityQueue<>(
            java.util.Comparator.<Task, Instant>comparing(task -> task.due).thenComparingLong(task -> task.seq));
    private final List<Throwable> failures = new ArrayList<>();
    private long sequence;
    private boolean shutdown;
    private int executed;

    ManualScheduler(FakeClock clock) {
        this.clock = clock;
    }

    /** Runs every task due now (including tasks they schedule for now). */
    void runDue() {
        while (true) {
            Task task;
            synchronized (this) {
                task = queue.peek();
                if (task == null || task.due.isAfter(clock.instant())) {
                    break;
                }
                queue.poll();
            }
            run(task);
        }
        rethrow();
    }

    /** Moves the clock forward, running each task at its due time. */
    void advance(Duration duration) {
        Instant target = clock.instant().plus(duration);
        while (true) {
            Task task;
            synchronized (this) {
                task = queue.peek();
                if (task == null || task.due.isAfter(target)) {
                    break;
                }
                queue.poll();
            }
            if (task.due.isAfter(clock.instant())) {
                clock.set(task.due);
            }
            run(task);
        }
        clock.set(target);
        rethrow();
    }

    /** Tasks waiting (cancelled ones excluded). */
    synchronized int pending() {
        return (int) queue.stream().filter(task -> !task.cancelled).count();
    }

    /** Tasks run so far. */
    synchronized int executed() {
        return executed;
    }

    private void run(Task task) {
        if (task.cancelled) {
            return;
        }
        try {
            task.body.run();
        } catch (Throwable t) {
            synchronized (this) {
                failures.add(t);
            }
        }
        synchronized (this) {
            executed++;
            if (task.period != null && !task.cancelled && !shutdown) {
                task.due = task.fixedRate ? task.due.plus(task.period) : clock.instant().plus(task.period);
                task.seq = sequence++;
                queue.add(task);
            } else {
                task.done = true;
            }
        }
    }

    private synchronized void rethrow() {
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError("a scheduled task failed", failures.get(0));
            failures.clear();
            throw error;
        }
    }

    private synchronized Task add(Runnable body, long delay, TimeUnit unit, Duration period, boolean fixedRate) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        Task task = new Task(body, clock.instant().plusNanos(unit.toNanos(Math.max(0, delay))), period, fixedRate);
        task.seq = sequence++;
        queue.add(task);
        return task;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return add(command, delay, unit, null, false);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("not used by revocation");
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return add(command, initialDelay, unit, Duration.ofNanos(unit.toNanos(period)), true);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return add(command, initialDelay, unit, Duration.ofNanos(unit.toNanos(delay)), false);
    }

    @Override
    public void execute(Runnable command) {
        add(command, 0, TimeUnit.NANOSECONDS, null, false);
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> left = new ArrayList<>();
        queue.forEach(task -> left.add(task.body));
        queue.clear();
        return left;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && queue.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    private final class Task implements ScheduledFuture<Object> {
        final Runnable body;
        final Duration period;
        final boolean fixedRate;
        Instant due;
        long seq;
        volatile boolean cancelled;
        volatile boolean done;

        Task(Runnable body, Instant due, Duration period, boolean fixedRate) {
            this.body = body;
            this.due = due;
            this.period = period;
            this.fixedRate = fixedRate;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(clock.instant(), due).toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            cancelled = true;
            synchronized (ManualScheduler.this) {
                queue.remove(this);
            }
            return !done;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return done || cancelled;
        }

        @Override
        public Object get() throws ExecutionException {
            if (!isDone()) {
                throw new IllegalStateException("a manual task is never waited for");
            }
            return null;
        }

        @Override
        public Object get(long timeout, TimeUnit unit) throws ExecutionException {
            return get();
        }
    }
}
