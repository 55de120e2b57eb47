package io.mtlsproxy.server.http;

import io.mtlsproxy.backends.SecretValue;
import io.mtlsproxy.core.error.ErrorCode;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import java.util.UUID;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Encoding the JSON answer of a secret request with {@link Responses}, on the channel allocator's
 * pooled direct buffers as the HTTP handler does: {@code secret} is a 200
 * {@code {"name","value","version","backend"}} with its ETag (what every successful read pays),
 * {@code error} a 403 {@code {"error":{"code","message","requestId"}}} (what every refused read pays).
 * Each response is released after it is built, as the channel would after writing it.
 *
 * <p>In package {@code io.mtlsproxy.server.http} because {@link Responses} is package-private
 * there. Run: {@code java -jar perf/target/benchmarks.jar ResponsesBenchmark} (add {@code -prof gc}
 * for bytes per response).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResponsesBenchmark {
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private RequestContext request;
    private SecretValue secret;
    private String etag;
    private final SecretBodies bodies = new SecretBodies();

    @Setup
    public void setUp() {
        request = new RequestContext(UUID.randomUUID().toString(), "192.0.2.10", "GET", "/v1/secrets/wifi-psk",
                System.nanoTime(), true);
        // a Wi-Fi PSK-sized value with a character JSON must escape, as real secrets have
        secret = SecretValue.withDerivedVersion("wifi-psk", "c0rp-W1F1-\"psk\"-2026-0123456789abcdef", "vault", "keyvault");
        etag = EntityTags.of(secret.version());
    }

    @Benchmark
    public void secret(Blackhole blackhole) {
        FullHttpResponse response = Responses.secret(alloc, request, bodies.of(secret), etag, false);
        try {
            blackhole.consume(response.content().readableBytes());
            blackhole.consume(response);
        } finally {
            response.release();
        }
    }

    @Benchmark
    public void error(Blackhole blackhole) {
        FullHttpResponse response = Responses.error(alloc, request, ErrorCode.FORBIDDEN, null, null);
        try {
            blackhole.consume(response.content().readableBytes());
            blackhole.consume(response);
        } finally {
            response.release();
        }
    }
}
