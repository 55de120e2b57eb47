package io.mtlsproxy.perf.load;

/** Monotonic time in nanoseconds, injected so schedules and windows can be tested without sleeping. */
@FunctionalInterface
interface NanoClock {
    long nanoTime();

    static NanoClock system() {
        return System::nanoTime;
    }
}
