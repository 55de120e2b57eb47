package io.mtlsproxy.backends;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.CacheConfig;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.SecretsConfig;
import io.mtlsproxy.core.secret.SecretNames;
import java.nio.file.Files;
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
 * Every name is routed to the default backend; routing by name arrives with the Azure backends
 * and changes only {@link #route}.
 */
public final class SecretBackends implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SecretBackends.class);

    private final Map<String, SecretBackend> backends;
    private final SecretBackend defaultBackend;
    private final SecretCache cache;
    private final BackendCalls calls;

    private SecretBackends(Map<String, SecretBackend> backends, SecretBackend defaultBackend, CacheConfig cacheConfig,
            Ticker ticker, Executor executor) {
        this.backends = Map.copyOf(backends);
        this.defaultBackend = defaultBackend;
        this.calls = new BackendCalls(this.backends.values());
        this.cache = new SecretCache(cacheConfig, this::fetch, ticker, executor);
    }

    /**
     * Builds every configured backend and the cache.
     *
     * @param environment the process environment, read by app-settings backends
     * @param executor runs file reads and cache maintenance; never an event loop
     * @param ticker the cache's time source ({@code Ticker.systemTicker()} in production)
     * @throws ConfigException when a backend cannot be built; each problem names its setting
     */
    public static SecretBackends fromConfig(SecretsConfig config, Map<String, String> environment, Executor executor,
            Ticker ticker) throws ConfigException {
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
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        Map<String, SecretBackend> backends = new HashMap<>();
        for (BackendConfig backend : config.backends()) {
            backends.put(backend.name(), create(backend, environment, executor));
        }
        return new SecretBackends(backends, backends.get(defaultName), config.cache(), ticker, executor);
    }

    /**
     * Backends built by the caller (embedding, tests) behind one cache, the first one the default.
     *
     * @param executor runs cache maintenance; never an event loop
     */
    public static SecretBackends of(List<? extends SecretBackend> backends, CacheConfig cache, Executor executor,
            Ticker ticker) {
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("at least one backend is required");
        }
        Map<String, SecretBackend> byName = new HashMap<>();
        for (SecretBackend backend : backends) {
            if (byName.put(backend.name(), backend) != null) {
                throw new IllegalArgumentException("two backends are named '" + backend.name() + "'");
            }
        }
        return new SecretBackends(byName, backends.get(0), cache, ticker, executor);
    }

    /**
     * The secret named {@code name}, at its latest version, from the cache or its backend. Never
     * throws: an invalid name fails the future with {@link InvalidSecretNameException} before
     * any backend is asked. The future is shared with other callers (see {@link SecretCache}).
     */
    public CompletableFuture<SecretValue> resolve(String name) {
        Optional<String> problem = SecretNames.problem(name);
        if (problem.isPresent()) {
            return CompletableFuture.failedFuture(new InvalidSecretNameException(problem.get()));
        }
        return cache.get(SecretRef.latest(name));
    }

    public CacheStats cacheStats() {
        return cache.stats();
    }

    /** Every backend call's outcome and each backend's last one (for metrics and readiness). */
    public BackendCalls calls() {
        return calls;
    }

    /** Forgets every cached value and closes every backend. */
    @Override
    public void close() {
        cache.invalidateAll();
        for (SecretBackend backend : backends.values()) {
            try {
                backend.close();
            } catch (RuntimeException e) {
                log.warn("closing backend '{}' failed", backend.name(), e);
            }
        }
    }

    private CompletableFuture<SecretValue> fetch(SecretRef ref) {
        SecretBackend backend = route(ref.name());
        return calls.track(backend, backend.fetch(ref));
    }

    /** The backend that serves {@code name}: the seam where routing by name will go. */
    private SecretBackend route(String name) {
        return defaultBackend;
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
    }

    private static SecretBackend create(BackendConfig config, Map<String, String> environment, Executor executor) {
        if (config instanceof BackendConfig.AppSettings app) {
            return new AppSettingsBackend(app, environment);
        }
        if (config instanceof BackendConfig.Files files) {
            return new FileBackend(files, executor);
        }
        // BackendConfig is sealed: only a new kind without a case here gets this far.
        throw new IllegalStateException("no backend implements type '" + config.type() + "'");
    }
}
