package io.mtlsproxy.backends;

/**
 * What one cache entry holds: a name as the client asked for it, at one version, from one backend.
 * The backend is part of the key, so names routed to different backends never share an entry.
 *
 * @param backend the name of the backend that serves it
 * @param name the name the client asked for (the name in every answer)
 * @param version the version asked for, or null for the latest
 * @param backendName the name the backend is asked for: {@code name} without a stripped route prefix
 */
record CacheKey(String backend, String name, String version, String backendName) {

    SecretRef ref() {
        return new SecretRef(backendName, version);
    }
}
