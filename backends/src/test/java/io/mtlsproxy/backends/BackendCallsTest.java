package io.mtlsproxy.backends;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.config.CacheConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Backend calls are counted by outcome, timed through the listener, and the last one is each backend's health. */
class BackendCallsTest {
    /** Answers each name as told: a value, not found, or unavailable. */
    private static final class ScriptedBackend implements SecretBackend {
        final AtomicReference<CompletableFuture<SecretValue>> next = new AtomicReference<>();

        @Override
        public String name() {
            return "vault";
        }

        @Override
        public String type() {
            return "scripted";
        }

        @Override
        public CompletableFuture<SecretValue> fetch(SecretRef ref) {
            return next.get();
        }
    }

    @Test
    void outcomesAreCountedAndTheLastOneIsTheHealth() {
        ScriptedBackend backend = new ScriptedBackend();
        SecretBackends secrets = SecretBackends.of(List.of(backend), CacheConfig.defaults(), Runnable::run, new FakeTime());
        List<String> heard = new ArrayList<>();
        secrets.calls().listen((name, outcome, nanos) -> heard.add(name + "/" + outcome.tag() + (nanos >= 0 ? "" : "?")));
        assertThat(secrets.calls().health()).singleElement().satisfies(h -> {
            assertThat(h.lastOutcome()).isNull();
            assertThat(h.healthy()).as("not called yet counts as healthy").isTrue();
        });

        backend.next.set(CompletableFuture.failedFuture(new SecretUnavailableException("a", "vault", "503 from the store", null, null)));
        assertThat(secrets.resolve("a")).isCompletedExceptionally();
        BackendCalls.Health down = secrets.calls().health().iterator().next();
        assertThat(down.healthy()).isFalse();
        assertThat(down.lastOutcome()).isEqualTo(BackendCalls.Outcome.UNAVAILABLE);
        assertThat(down.lastError()).contains("503 from the store");

        backend.next.set(CompletableFuture.failedFuture(new SecretNotFoundException("b", "vault")));
        assertThat(secrets.resolve("b")).isCompletedExceptionally();
        assertThat(secrets.calls().health().iterator().next().healthy()).as("a missing secret is an answer").isTrue();

        backend.next.set(CompletableFuture.completedFuture(SecretValue.withDerivedVersion("c", "value-c", "vault", "scripted")));
        assertThat(secrets.resolve("c").join().value()).isEqualTo("value-c");
        assertThat(secrets.resolve("c")).isCompleted(); // a cache hit: no backend call
        assertThat(secrets.calls().count("vault", BackendCalls.Outcome.OK)).isEqualTo(1);
        assertThat(secrets.calls().count("vault", BackendCalls.Outcome.NOT_FOUND)).isEqualTo(1);
        assertThat(secrets.calls().count("vault", BackendCalls.Outcome.UNAVAILABLE)).isEqualTo(1);
        assertThat(heard).containsExactly("vault/unavailable", "vault/not_found", "vault/ok");
        assertThat(secrets.calls().health().iterator().next().lastError()).isNull();
        assertThat(String.valueOf(secrets.calls().health())).doesNotContain("value-c");
    }

    @Test
    void theOutcomeIsRecordedBeforeTheCallerSeesTheAnswer() {
        ScriptedBackend backend = new ScriptedBackend();
        SecretBackends secrets = SecretBackends.of(List.of(backend), CacheConfig.defaults(), Runnable::run, new FakeTime());
        CompletableFuture<SecretValue> pending = new CompletableFuture<>();
        backend.next.set(pending);
        List<BackendCalls.Outcome> seenByCaller = new ArrayList<>();
        secrets.resolve("slow").whenComplete((v, e) -> seenByCaller.add(secrets.calls().health().iterator().next().lastOutcome()));

        pending.completeExceptionally(new SecretUnavailableException("slow", "vault", "timed out", null, null));

        assertThat(seenByCaller).containsExactly(BackendCalls.Outcome.UNAVAILABLE);
        assertThat(Map.of("k", secrets.calls().backends())).containsEntry("k", java.util.Set.of("vault"));
    }
}
