package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bodies stream through the proxy with backpressure, never aggregated: 100 MB up and 100 MB down
 * while the memory Netty's allocator holds (for the gateway and the test upstream together) grows
 * by far less than one body.
 */
class ReverseProxyStreamingTest {
    private static final long BODY = 100L * 1024 * 1024;
    /** A few high-water marks of every connection involved, and the allocator's chunk granularity: far below BODY. */
    private static final long BOUND = 40L * 1024 * 1024;

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();

    @Test
    void aHundredMegabyteBodyStreamsUpAndBackWithBoundedMemory() throws Exception {
        try (UpstreamServer upstream = UpstreamServer.http("a")) {
            streamsBothWays(upstream, "");
        }
    }

    /** Over an h2 upstream the stream's flow-control window is the backpressure: the same bound holds. */
    @Test
    void overAnH2UpstreamTheBodyStreamsWithBoundedMemoryToo() throws Exception {
        try (UpstreamServer upstream = UpstreamServer.h2c("a", 0)) {
            streamsBothWays(upstream, ", protocol: h2");
            assertThat(upstream.streamsOpened()).isEqualTo(4);
            assertThat(upstream.connectionsAccepted()).isEqualTo(1);
        }
    }

    private void streamsBothWays(UpstreamServer upstream, String upstreamSettings) throws Exception {
        try (RunningGateway gateway = RunningGateway.start(dir, pki, ReverseProxyForwardingTest.config("""
                        - name: app
                          pathPrefix: /app
                          upstream: {targets: ["%s"]%s}
                        """.formatted(upstream.url(), upstreamSettings)));
                TlsClient client = gateway.connect(pki.client("device-1"))) {
            // warm up: every thread involved has taken its first chunks of the allocator
            assertThat(client.get("/app").status()).isEqualTo(200);
            ByteBufAllocatorMetric metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
            long before = metric.usedDirectMemory() + metric.usedHeapMemory();
            AtomicLong peak = new AtomicLong(before);
            AtomicBoolean watching = new AtomicBoolean(true);
            Thread watcher = new Thread(() -> {
                while (watching.get()) {
                    peak.accumulateAndGet(metric.usedDirectMemory() + metric.usedHeapMemory(), Math::max);
                    LockSupport.parkNanos(1_000_000);
                }
            }, "allocator-watch");
            watcher.setDaemon(true);
            watcher.start();
            try {
                OutputStream out = client.socket().getOutputStream();
                out.write(("POST /app/sink HTTP/1.1\r\nHost: x\r\nContent-Length: " + BODY + "\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                byte[] block = new byte[64 * 1024];
                for (long sent = 0; sent < BODY; sent += block.length) {
                    out.write(block);
                }
                out.flush();
                assertThat(client.read().body()).isEqualTo("received=" + BODY);

                client.send("GET /app/source?bytes=" + BODY + " HTTP/1.1\r\nHost: x\r\n\r\n");
                Map<String, String> head = ChunkedReader.readHead(client, 200);
                assertThat(head.get("content-length")).isEqualTo(Long.toString(BODY));
                InputStream in = client.socket().getInputStream();
                long received = 0;
                boolean pattern = true;
                byte[] buffer = new byte[64 * 1024];
                while (received < BODY) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, BODY - received));
                    assertThat(n).as("bytes before the end of the body").isPositive();
                    for (int i = 0; i < n && pattern; i++) {
                        pattern = buffer[i] == (byte) ((received + i) % 251);
                    }
                    received += n;
                }
                assertThat(pattern).as("the body arrives as sent").isTrue();
                // the connection is still usable: the exchange ended cleanly
                assertThat(client.get("/app").status()).isEqualTo(200);
            } finally {
                watching.set(false);
                watcher.join();
            }
            assertThat(peak.get() - before).as("allocator growth while 200 MB passed").isLessThan(BOUND);
        }
    }
}
