package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Devices on HTTP/2 reach HTTP/1.1 upstreams: each stream is its own proxied exchange, in parallel on one connection. */
class ReverseProxyHttp2Test {
    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();

    private static Http2Client.Response await(CompletableFuture<Http2Client.Response> response) throws Exception {
        return response.get(10, TimeUnit.SECONDS);
    }

    @Test
    void streamsOfOneConnectionAreProxiedInParallel() throws Exception {
        try (UpstreamServer upstream = UpstreamServer.http("a");
                RunningGateway gateway = RunningGateway.start(dir, pki, ReverseProxyForwardingTest.config("""
                        - name: app
                          pathPrefix: /app
                          upstream: {targets: ["%s"]}
                        """.formatted(upstream.url())));
                Http2Client client = Http2Client.connect(gateway.port(), pki.root.certificate(), pki.client("device-1"))) {
            assertThat(client.protocol()).isEqualTo("h2");
            // the first stream waits for an answer that never comes; the others pass it
            CompletableFuture<Http2Client.Response> slow = client.get("/app/slow");
            List<CompletableFuture<Http2Client.Response>> quick = client.getAll(List.of("/app/1", "/app/2", "/app/chunked"));

            assertThat(await(quick.get(0)).body()).isEqualTo("hello from a");
            assertThat(await(quick.get(1)).body()).isEqualTo("hello from a");
            assertThat(await(quick.get(2)).body()).isEqualTo("one,two,three");
            Http2Client.Response posted = await(client.send(Http2Client.headers("POST", "/app/sink"), "twelve bytes"));
            assertThat(posted.body()).isEqualTo("received=12");
            assertThat(posted.header("x-request-id")).isNotBlank();
            assertThat(slow).isNotDone();
            assertThat(upstream.received()).extracting(r -> r.headers().get("x-forwarded-proto")).containsOnly("https");
        }
    }
}
