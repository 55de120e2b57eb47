package io.mtlsproxy.backends;

import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.backends.table.TableBackend;
import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.CacheConfig;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.RouteConfig;
import io.mtlsproxy.core.config.SecretsConfig;
import io.mtlsproxy.core.config.SecretsValidator;
import io.mtlsproxy.core.secret.SecretNames;
import io.mtlsproxy.core.secret.SecretVersions;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured backends behind one cache: what the HTTP layer asks for a secret by name.
 * {@link SecretRoutes} picks the backend of each name (with no routes, the default backend serves
 * every name, as the origin's single WORKLOAD did); {@link SecretCache} answers from memory and
 * puts every backend call behind the backend's timeout and circuit breaker.
 */
public final class SecretBackends implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SecretBackends.class);

    private final Map<String, SecretBackend> backends;
    private final SecretRoutes routes;
    private final SecretCache cache;
    private final BackendCalls calls;

    private SecretBackends(Map<String, SecretBackend> backends, SecretRoutes routes, BackendCalls calls,
            SecretCache cache) {
        this.backends = Map.copyOf(backends);
        this.routes = routes;
        this.calls = calls;
        this.cache = cache;
    }

    /**
     * Builds every configured backend, the routes and the cache; backend timeouts run on the
     * JVM's shared scheduling thread.
     *
     * @param environment the process environment, read by app-settings backends
     * @param executor runs file reads and cache maintenance; never an event loop
     * @param ticker the time source of the cache, breakers and timeouts ({@code Ticker.systemTicker()} in production)
     * @throws ConfigException when a backend cannot be built; each problem names its setting
     */
    public static SecretBackends fromConfig(SecretsConfig config, Map<String, String> environment, Executor executor,
            Ticker ticker) throws ConfigException {
        return fromConfig(config, environment, executor, ticker, Scheduler.systemScheduler());
    }

    /** As above, with the scheduler of backend timeouts given (a fake one in tests). */
    public static SecretBackends fromConfig(SecretsConfig config, Map<String, String> environment, Executor executor,
            Ticker ticker, Scheduler scheduler) throws ConfigException {
        List<String> problems = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < config.backends().size(); i++) {
            BackendConfig backend = config.backends().get(i);
            String at = "secrets.backends[" + i + "]";
            if (!names.add(backend.name())) {
                problems.add(at + ".name: '" + backend.name() + "' is used by another backend");
            }
            problemsOf(backend, at, problems);
        }
        String defaultName = config.effectiveDefaultBackend();
        if (defaultName == null) {
            problems.add("secrets.backends: at least one backend is required");
        } else if (!names.contains(defaultName)) {
            problems.add("secrets.defaultBackend: no backend is named '" + defaultName + "'");
        }
        SecretsValidator.check(config, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        Map<String, SecretBackend> backends = new HashMap<>();
        List<SecretCache.Tuned> tuned = new ArrayList<>();
        for (int i = 0; i < config.backends().size(); i++) {
            BackendConfig backend = config.backends().get(i);
            SecretBackend built;
            try {
                built = create(backend, "secrets.backends[" + i + "]", environment, executor);
            } catch (ConfigException | RuntimeException e) {
                backends.values().forEach(SecretBackend::close);
                throw e;
            }
            backends.put(backend.name(), built);
            tuned.add(new SecretCache.Tuned(built, BackendTuning.of(backend, config.cache())));
        }
        return assemble(backends, SecretRoutes.of(config.routes(), defaultName), tuned, config.cache().maxEntries(), ticker,
                scheduler, executor);
    }

    /**
     * Backends built by the caller (embedding, tests) behind one cache, the first one the default
     * and serving every name, each with the settings of {@code cache} and the default timeout and breaker.
     *
     * @param executor runs cache maintenance; never an event loop
     */
    public static SecretBackends of(List<? extends SecretBackend> backends, CacheConfig cache, Executor executor,
            Ticker ticker) {
        List<SecretCache.Tuned> tuned = new ArrayList<>();
        for (SecretBackend backend : backends) {
            tuned.add(new SecretCache.Tuned(backend, BackendTuning.of(cache)));
        }
        return of(tuned, List.of(), cache, executor, ticker, Scheduler.systemScheduler());
    }

    /**
     * Backends built by the caller with their own settings and routes; the first one is the default.
     *
     * @param scheduler runs backend timeouts; never an event loop
     */
    public static SecretBackends of(List<SecretCache.Tuned> backends, List<RouteConfig> routes, CacheConfig cache,
            Executor executor, Ticker ticker, Scheduler scheduler) {
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("at least one backend is required");
        }
        Map<String, SecretBackend> byName = new HashMap<>();
        for (SecretCache.Tuned tuned : backends) {
            if (byName.put(tuned.backend().name(), tuned.backend()) != null) {
                throw new IllegalArgumentException("two backends are named '" + tuned.backend().name() + "'");
            }
        }
        SecretRoutes routing = SecretRoutes.of(routes, backends.get(0).backend().name());
        for (String routed : routing.backends()) {
            if (!byName.containsKey(routed)) {
                throw new IllegalArgumentException("a route names backend '" + routed + "', which is not given");
            }
        }
        return assemble(byName, routing, backends, cache.maxEntries(), ticker, scheduler, executor);
    }

    /** Puts every backend's calls on record (outcomes, latency) beneath the cache, which only calls on misses. */
    private static SecretBackends assemble(Map<String, SecretBackend> byName, SecretRoutes routes,
            List<SecretCache.Tuned> backends, int maxEntries, Ticker ticker, Scheduler scheduler, Executor executor) {
        BackendCalls calls = new BackendCalls(byName.values());
        List<SecretCache.Tuned> tracked = new ArrayList<>(backends.size());
        for (SecretCache.Tuned tuned : backends) {
            tracked.add(new SecretCache.Tuned(calls.tracking(tuned.backend()), tuned.tuning()));
        }
        return new SecretBackends(byName, routes, calls, new SecretCache(maxEntries, tracked, ticker, scheduler, executor));
    }

    /**
     * The secret named {@code name} at {@code version} (null for the latest), from the cache or
     * its backend, marked stale when its backend is failing and this is the last good value.
     * Never throws: an invalid name or version fails the future with
     * {@link InvalidSecretNameException} or {@link InvalidSecretVersionException} before any
     * backend is asked. The future may be shared with other callers (see {@link SecretCache}).
     */
    public CompletableFuture<CachedSecret> lookup(String name, String version) {
        Optional<String> problem = SecretNames.problem(name);
        if (problem.isPresent()) {
            return CompletableFuture.failedFuture(new InvalidSecretNameException(problem.get()));
        }
        if (version != null) {
            Optional<String> badVersion = SecretVersions.problem(version);
            if (badVersion.isPresent()) {
                return CompletableFuture.failedFuture(new InvalidSecretVersionException(badVersion.get()));
            }
        }
        SecretRoutes.Target target = routes.route(name);
        String backendName = target.backendName(name);
        if (target.stripPrefix() && !SecretNames.isValid(backendName)) {
            // "kv-" alone, or "kv-.x": valid as asked, but no backend secret is left after the prefix
            return CompletableFuture.failedFuture(new SecretNotFoundException(name, target.backend()));
        }
        return cache.get(new CacheKey(target.backend(), name, version, backendName));
    }

    /** The secret at its latest version, stale or not; see {@link #lookup}. */
    public CompletableFuture<SecretValue> resolve(String name) {
        return lookup(name, null).thenApply(CachedSecret::value);
    }

    /** The backend that serves {@code name}. */
    public String backendFor(String name) {
        return routes.route(name).backend();
    }

    public CacheStats cacheStats() {
        return cache.stats();
    }

    /** The circuit breaker of one backend, for tests and diagnostics. */
    CircuitBreaker.State breakerState(String backend) {
        return cache.breakerState(backend);
    }

    /** Every backend call's outcome and each backend's last one (for metrics and readiness). */
    public BackendCalls calls() {
        return calls;
    }

    /** Forgets every cached value and closes every backend. */
    @Override
    public void close() {
        cache.close();
        for (SecretBackend backend : backends.values()) {
            try {
                backend.close();
            } catch (RuntimeException e) {
                log.warn("closing backend '{}' failed", backend.name(), e);
            }
        }
    }

    private static void problemsOf(BackendConfig config, String at, List<String> problems) {
        if (config instanceof BackendConfig.AppSettings app && app.envPrefix().isEmpty()) {
            problems.add(at + ".envPrefix: must not be empty, or every environment variable of the gateway"
                    + " would be served as a secret");
        }
        if (config instanceof BackendConfig.Files files
                && (files.directory() == null || !Files.isDirectory(files.directory()))) {
            problems.add(at + ".directory: '" + files.directory() + "' is not a directory");
        }
        if (config instanceof BackendConfig.KeyVault vault) {
            try {
                if (vault.effectiveVaultUri() == null) {
                    problems.add(at + ".vaultUri: a keyvault backend needs vaultUri or vaultName");
                }
            } catch (IllegalArgumentException e) {
                problems.add(at + ".vaultName: '" + vault.vaultName() + "' cannot be part of a URL");
            }
            if (vault.apiVersion() != null && KeyVaultBackend.serviceVersion(vault.apiVersion()).isEmpty()) {
                problems.add(at + ".apiVersion: '" + vault.apiVersion() + "' is not one this client speaks ("
                        + KeyVaultBackend.knownApiVersions() + ")");
            }
        }
    }

    private static SecretBackend create(BackendConfig config, String at, Map<String, String> environment,
            Executor executor) throws ConfigException {
        if (config instanceof BackendConfig.AppSettings app) {
            return new AppSettingsBackend(app, environment);
        }
        if (config instanceof BackendConfig.Files files) {
            return new FileBackend(files, executor);
        }
        if (config instanceof BackendConfig.KeyVault vault) {
            return KeyVaultBackend.fromConfig(vault, at, executor, Clock.systemUTC());
        }
        if (config instanceof BackendConfig.Table table) {
            return TableBackend.create(table, executor);
        }
        // BackendConfig is sealed: only a new kind without a case here gets this far.
        throw new IllegalStateException("no backend implements type '" + config.type() + "'");
    }
}
