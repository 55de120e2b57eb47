package io.mtlsproxy.perf.jmh;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.backends.AppSettingsBackend;
import io.mtlsproxy.backends.CachedSecret;
import io.mtlsproxy.backends.SecretBackends;
import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.CacheConfig;
import io.mtlsproxy.core.config.RouteConfig;
import io.mtlsproxy.core.config.Secret;
import io.mtlsproxy.core.config.SecretsConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The secret cache's hit path, what every keep-alive request for a cached secret pays: name
 * check, route, cache lookup, freshness check, and the shared completed future. Measured for a
 * name served by the default backend and for one routed by a stripped prefix (which allocates the
 * stripped name). Run with the allocation profiler to see bytes per hit:
 * {@code java -jar perf/target/benchmarks.jar SecretCacheBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SecretCacheBenchmark {
    private ExecutorService executor;
    private SecretBackends backends;

    @Setup
    public void setUp() throws Exception {
        executor = Executors.newSingleThreadExecutor();
        Map<String, Secret> values = Map.of("wifi-psk", new Secret("psk-value"), "db", new Secret("db-value"));
        SecretsConfig config = new SecretsConfig(
                // an hour: no entry expires or refreshes during the run, so every call is a fresh hit
                new CacheConfig(Duration.ofHours(1), 10_000),
                List.of(new BackendConfig.AppSettings("settings", "VAR_", values),
                        new BackendConfig.AppSettings("vault", "KV_", values)),
                "settings",
                List.of(RouteConfig.forPrefix("kv-", "vault", true), RouteConfig.forNames("vault", "vault-only")));
        backends = SecretBackends.fromConfig(config, Map.of(), executor, Ticker.systemTicker());
        for (String name : new String[] {"wifi-psk", "kv-db"}) {
            if (backends.lookup(name, null).get(5, TimeUnit.SECONDS).stale()) {
                throw new IllegalStateException("benchmark secret " + name + " did not load");
            }
        }
    }

    @TearDown
    public void tearDown() {
        backends.close();
        executor.shutdownNow();
    }

    /** A fresh hit on a name served by the default backend. */
    @Benchmark
    public CompletableFuture<CachedSecret> freshHit() {
        return backends.lookup("wifi-psk", null);
    }

    /** A fresh hit on a name routed by a prefix that is stripped before the backend sees it. */
    @Benchmark
    public CompletableFuture<CachedSecret> freshHitStrippedPrefix() {
        return backends.lookup("kv-db", null);
    }
}
