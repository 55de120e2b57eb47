package io.mtlsproxy.server;

import io.mtlsproxy.backends.SecretBackend;
import io.mtlsproxy.backends.SecretNotFoundException;
import io.mtlsproxy.backends.SecretRef;
import io.mtlsproxy.backends.SecretUnavailableException;
import io.mtlsproxy.backends.SecretValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend with versions, as Key Vault keeps them, whose state the test scripts: secrets can be
 * rotated, the whole store stopped, and calls held until the test releases them.
 */
final class ScriptedBackend implements SecretBackend {
    private final String name;
    private final Map<String, List<SecretValue>> versions = new LinkedHashMap<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final List<String> names = new ArrayList<>();
    private boolean down;
    private boolean hanging;
    private CompletableFuture<Void> gate;

    ScriptedBackend(String name) {
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

    /** Adds {@code value} as the new latest version of {@code secret}. */
    synchronized ScriptedBackend put(String secret, String value, String version) {
        versions.computeIfAbsent(secret, s -> new ArrayList<>()).add(new SecretValue(secret, value, version, name, "test"));
        return this;
    }

    /** Every call from now on fails as an unreachable store does. */
    synchronized void stop() {
        down = true;
    }

    /** Calls from now on never answer (a store that accepts the connection and says nothing). */
    synchronized void hang() {
        hanging = true;
    }

    /** Calls from now on wait until {@link #release()}. */
    synchronized void hold() {
        gate = new CompletableFuture<>();
    }

    void release() {
        CompletableFuture<Void> held;
        synchronized (this) {
            held = gate;
            gate = null;
        }
        held.complete(null);
    }

    int calls() {
        return calls.get();
    }

    /** The names asked for, in order. */
    synchronized List<String> asked() {
        return List.copyOf(names);
    }

    @Override
    public synchronized CompletableFuture<SecretValue> fetch(SecretRef ref) {
        calls.incrementAndGet();
        names.add(ref.name());
        if (hanging) {
            return new CompletableFuture<>();
        }
        if (down) {
            return CompletableFuture.failedFuture(
                    new SecretUnavailableException(ref.name(), name, "connection refused", null, null));
        }
        CompletableFuture<SecretValue> answer = answer(ref);
        return gate == null ? answer : gate.thenCompose(ignored -> answer);
    }

    private CompletableFuture<SecretValue> answer(SecretRef ref) {
        List<SecretValue> known = versions.getOrDefault(ref.name(), List.of());
        for (int i = known.size() - 1; i >= 0; i--) {
            SecretValue candidate = known.get(i);
            if (ref.version() == null || ref.version().equals(candidate.version())) {
                return CompletableFuture.completedFuture(candidate);
            }
        }
        return CompletableFuture.failedFuture(new SecretNotFoundException(ref.name(), name));
    }
}
