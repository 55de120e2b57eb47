package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proxy routes follow the configuration generation: a reload sends new connections to the new
 * upstream while an open connection keeps its generation's, and a retired generation's pooled
 * upstream connections close when it is released.
 */
class ReverseProxyReloadTest {
    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();

    private static String route(UpstreamServer upstream) {
        return route(upstream, "");
    }

    private static String route(UpstreamServer upstream, String settings) {
        return ReverseProxyForwardingTest.config("""
                - name: app
                  pathPrefix: /app
                  upstream: {targets: ["%s"]%s}
                """.formatted(upstream.url(), settings));
    }

    @Test
    void aReloadMovesNewConnectionsToTheNewUpstreamAndReleasesTheOldPools() throws Exception {
        try (UpstreamServer before = UpstreamServer.http("before");
                UpstreamServer after = UpstreamServer.http("after");
                RunningGateway gateway = RunningGateway.start(dir, pki, route(before))) {
            try (TlsClient open = gateway.connect(pki.client("device-1"))) {
                assertThat(open.get("/app").body()).isEqualTo("hello from before");

                RunningGateway.rewriteConfig(dir, "", route(after));
                ReloadResult result = gateway.gateway.reload();
                assertThat(result.ok()).as(result.problems().toString()).isTrue();
                assertThat(result.changes()).contains("proxy");

                try (TlsClient fresh = gateway.connect(pki.client("device-1"))) {
                    assertThat(fresh.get("/app").body()).isEqualTo("hello from after");
                }
                // the connection opened before the reload keeps what it was opened with
                assertThat(open.get("/app").body()).isEqualTo("hello from before");
                assertThat(before.connectionsAccepted()).isEqualTo(1);
            }
            // the last connection of the old generation closed: it is released, and its pool with it
            Eventually.await("the old generation's upstream connection closed", () -> before.openConnections() == 0);
        }
    }

    @Test
    void aRetiredGenerationsH2ConnectionClosesWithItsLastStream() throws Exception {
        try (UpstreamServer before = UpstreamServer.h2c("before", 0);
                UpstreamServer after = UpstreamServer.h2c("after", 0);
                RunningGateway gateway = RunningGateway.start(dir, pki, route(before, ", protocol: h2"))) {
            try (TlsClient open = gateway.connect(pki.client("device-1"))) {
                assertThat(open.get("/app").body()).isEqualTo("hello from before");

                RunningGateway.rewriteConfig(dir, "", route(after, ", protocol: h2"));
                ReloadResult result = gateway.gateway.reload();
                assertThat(result.ok()).as(result.problems().toString()).isTrue();

                try (TlsClient fresh = gateway.connect(pki.client("device-1"))) {
                    assertThat(fresh.get("/app").body()).isEqualTo("hello from after");
                }
                // the open device connection still uses the old generation, on its one h2 connection
                assertThat(open.get("/app").body()).isEqualTo("hello from before");
                assertThat(before.connectionsAccepted()).isEqualTo(1);
                assertThat(before.streamsOpened()).isEqualTo(2);
            }
            Eventually.await("the old generation's h2 connection closed", () -> before.openConnections() == 0);
            assertThat(after.openConnections()).isEqualTo(1);
        }
    }
}
