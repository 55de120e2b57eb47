package io.mtlsproxy.perf.load;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * One run's settings, validated once: a benchmark of a server on this machine, bounded in time.
 *
 * @param expectBody text every 200 must contain, or {@code null}
 * @param rate total requests per second across all connections (fixed-rate, coordinated-omission
 *     corrected), or {@code null} for closed loop
 * @param requestsPerConnection churn only: requests on each connection before it closes
 * @param timeout per request (from its intended start), per connect and per handshake
 * @param serverPids the server's processes, for their CPU time and memory (summed) and the first one's heap; empty for none
 * @param serverGc force a full GC in the server (jcmd) before each memory reading
 * @param groups the key-exchange groups the client offers, in order; empty for BoringSSL's defaults
 */
record LoadOptions(Mode mode, String host, int port, Path cert, Path key, Path ca, String path, String expectBody,
        int concurrency, Duration duration, Duration warmup, Double rate, int threads, int requestsPerConnection,
        Duration timeout, java.util.List<Long> serverPids, boolean serverGc, boolean json, boolean allowErrors,
        java.util.List<String> groups) {

    static final Duration MAX_DURATION = Duration.ofMinutes(10);
    static final int MAX_CONCURRENCY = 100_000;

    LoadOptions {
        Objects.requireNonNull(mode, "--mode is required");
        requireLoopback(host);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("--port must be 1..65535, not " + port);
        }
        Objects.requireNonNull(cert, "--cert is required");
        Objects.requireNonNull(key, "--key is required");
        Objects.requireNonNull(ca, "--ca is required");
        if (path == null || !path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw new IllegalArgumentException("--path must start with '/' and hold no spaces or control characters");
        }
        if (expectBody != null && expectBody.isEmpty()) {
            throw new IllegalArgumentException("--expect-body cannot be empty");
        }
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw new IllegalArgumentException("--concurrency must be 1.." + MAX_CONCURRENCY + ", not " + concurrency);
        }
        requireBounded("--duration", duration);
        if (duration.isZero()) {
            throw new IllegalArgumentException("--duration must be more than 0");
        }
        requireBounded("--warmup", warmup);
        if (rate != null && !(rate > 0 && rate <= 10_000_000)) {
            throw new IllegalArgumentException("--rate must be a positive number of requests per second, not " + rate);
        }
        if (rate != null && mode == Mode.IDLE) {
            throw new IllegalArgumentException("--rate does not apply to --mode idle (it sends one request per connection)");
        }
        if (threads < 1 || threads > 64) {
            throw new IllegalArgumentException("--threads must be 1..64, not " + threads);
        }
        if (requestsPerConnection < 1) {
            throw new IllegalArgumentException("--requests-per-connection must be at least 1");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("--timeout must be more than 0 and at most " + MAX_DURATION.toMinutes() + "m");
        }
        if (serverGc && serverPids.isEmpty()) {
            throw new IllegalArgumentException("--server-gc needs --server-pid");
        }
    }

    private static void requireLoopback(String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("--host is required");
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    throw new IllegalArgumentException("--host " + host + " is not a loopback address: the harness "
                            + "benchmarks a server on this machine and refuses to load anything else");
                }
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--host " + host + " does not resolve", e);
        }
    }

    private static void requireBounded(String option, Duration value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " is required");
        }
        if (value.isNegative() || value.compareTo(MAX_DURATION) > 0) {
            // a benchmark is bounded: nobody leaves a load generator running by accident
            throw new IllegalArgumentException(option + " must be at most " + MAX_DURATION.toMinutes()
                    + "m and not negative, not " + value);
        }
    }

    /** Requests each connection makes before it closes; {@link Integer#MAX_VALUE} for as many as the run allows. */
    int requestsOnEachConnection() {
        return mode.requestsPerConnection(requestsPerConnection);
    }

    /** Open files the harness needs at most: one socket per connection plus the JVM's own (jars, epoll, pipes). */
    long filesNeeded() {
        return concurrency + 64L;
    }
}
