package io.mtlsproxy.backends;

import java.util.concurrent.CompletableFuture;

/**
 * A store of secrets: app settings, files, Azure Key Vault, and later Table storage.
 *
 * <p>The contract every implementation keeps, because callers are Netty event loops and a remote
 * store can be slow, failing or throttling:
 * <ul>
 *   <li>{@link #fetch} never blocks the calling thread. Anything that may wait (file IO, a
 *       network call) runs on an executor the backend was given, never on the caller's thread.
 *   <li>{@link #fetch} never throws: every failure completes the future exceptionally with a
 *       {@link SecretBackendException}: {@link InvalidSecretNameException} for a name that fails
 *       {@link io.mtlsproxy.core.secret.SecretNames} (re-checked here, before any IO),
 *       {@link SecretNotFoundException}, or {@link SecretUnavailableException} for a store that
 *       is down, slow or throttling (with its Retry-After when it gave one).
 *   <li>Every returned future completes. A remote backend bounds each call with its own timeout
 *       and fails it with {@link SecretUnavailableException}: the cache shares one in-flight
 *       future among all callers of a name, so a future that never completes would stall that
 *       name for everyone. (The cache also bounds every call with the backend's configured
 *       {@code timeout} and fails it with {@link SecretTimeoutException}, but a backend's own,
 *       tighter bound frees its connections and threads.)
 *   <li>No exception carries a secret value, in its message or its cause chain.
 * </ul>
 * Backends are thread-safe; caching, single-flight and retries are the cache's job, not theirs.
 */
public interface SecretBackend extends AutoCloseable {

    /** The name given in config; unique among the configured backends. */
    String name();

    /** The kind, as written in config: {@code appsettings}, {@code file}, {@code keyvault}. */
    String type();

    CompletableFuture<SecretValue> fetch(SecretRef ref);

    /** Releases clients and connections; the executor belongs to whoever passed it in. */
    @Override
    default void close() {}
}
