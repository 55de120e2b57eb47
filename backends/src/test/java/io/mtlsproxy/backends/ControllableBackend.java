package io.mtlsproxy.backends;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A backend whose every call waits until the test completes it; calls are counted and kept in order. */
final class ControllableBackend implements SecretBackend {
    private final String name;
    private final List<Call> calls = new ArrayList<>();

    record Call(SecretRef ref, CompletableFuture<SecretValue> future) {}

    ControllableBackend(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "test";
    }

    @Override
    public synchronized CompletableFuture<SecretValue> fetch(SecretRef ref) {
        CompletableFuture<SecretValue> future = new CompletableFuture<>();
        calls.add(new Call(ref, future));
        return future;
    }

    synchronized int callCount() {
        return calls.size();
    }

    synchronized Call call(int index) {
        return calls.get(index);
    }

    synchronized Call lastCall() {
        return calls.get(calls.size() - 1);
    }

    /** Answers the latest call with {@code value} at {@code version}. */
    void answer(String value, String version) {
        Call call = lastCall();
        call.future().complete(new SecretValue(call.ref().name(), value, version, name, "test"));
    }

    void fail() {
        Call call = lastCall();
        call.future().completeExceptionally(new SecretUnavailableException(call.ref().name(), name, "down", null, null));
    }

    void notFound() {
        Call call = lastCall();
        call.future().completeExceptionally(new SecretNotFoundException(call.ref().name(), name));
    }
}
