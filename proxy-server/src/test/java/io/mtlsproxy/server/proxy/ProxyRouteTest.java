package io.mtlsproxy.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtlsproxy.core.config.ProxyRouteConfig;
import io.mtlsproxy.core.config.UpstreamConfig;
import io.mtlsproxy.core.forwarded.IdentityHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which paths and hosts a route takes, what path the upstream is asked for, and the forwarded head. */
class ProxyRouteTest {
    private static ProxyRoute route(String prefix, String host, boolean strip) {
        UpstreamConfig upstream = new UpstreamConfig(List.of("http://127.0.0.1:8080"), null, null, null, null, null, null, null);
        ProxyRouteConfig config = new ProxyRouteConfig("app", prefix, host, strip, upstream, null, null);
        return new ProxyRoute(config, null, null, null, UpstreamIdentityHeaders.NONE);
    }

    @Test
    void aPrefixTakesWholeSegmentsOnly() {
        ProxyRoute route = route("/app", null, false);
        assertThat(route.takesPath("/app")).isTrue();
        assertThat(route.takesPath("/app/")).isTrue();
        assertThat(route.takesPath("/app/x/y")).isTrue();
        assertThat(route.takesPath("/apple")).isFalse();
        assertThat(route.takesPath("/ap")).isFalse();
        assertThat(route("/app/", null, false).takesPath("/app/x")).isTrue();
    }

    @Test
    void aHostIsMatchedWithoutCaseOrPort() {
        ProxyRoute route = route("/app", "Inventory.Example.com", false);
        assertThat(route.takesHost("inventory.example.com")).isTrue();
        assertThat(route.takesHost("INVENTORY.EXAMPLE.COM:8443")).isTrue();
        assertThat(route.takesHost("inventory.example.com.evil")).isFalse();
        assertThat(route.takesHost(null)).isFalse();
        assertThat(route("/app", "::1", false).takesHost("[::1]:8443")).isFalse();
        assertThat(route("/app", "[::1]", false).takesHost("[::1]:8443")).isTrue();
    }

    @Test
    void stripPrefixKeepsTheRestAndTheQuery() {
        ProxyRoute route = route("/app", null, true);
        assertThat(route.upstreamUri("/app/x?q=1")).isEqualTo("/x?q=1");
        assertThat(route.upstreamUri("/app")).isEqualTo("/");
        assertThat(route.upstreamUri("/app?q=1")).isEqualTo("/?q=1");
        assertThat(route("/app", null, false).upstreamUri("/app/x?q=1")).isEqualTo("/app/x?q=1");
    }

    @Test
    void dotSegmentsAndEncodedSeparatorsAreNotForwarded() {
        assertThat(ProxyRoutes.isForwardable("/app/x/y")).isTrue();
        assertThat(ProxyRoutes.isForwardable("/app/../admin")).isFalse();
        assertThat(ProxyRoutes.isForwardable("/app/./x")).isFalse();
        assertThat(ProxyRoutes.isForwardable("/app/%2E%2e/admin")).isFalse();
        assertThat(ProxyRoutes.isForwardable("/app/..")).isFalse();
        assertThat(ProxyRoutes.isForwardable("/app/a%2Fb")).isFalse();
        assertThat(ProxyRoutes.isForwardable("/app/a\\b")).isFalse();
        assertThat(ProxyRoutes.isForwardable("/app/..x")).isTrue();
    }

    @Test
    void theForwardedHeadDropsHopByHopAndIdentityHeadersAndAddsForwardedOnes() {
        HttpRequest in = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/app/x");
        in.headers().add("Host", "devices.example.com")
                .add("Connection", "keep-alive, X-Hop")
                .add("X-Hop", "1")
                .add("Keep-Alive", "timeout=5")
                .add("Transfer-Encoding", "chunked")
                .add("X-Forwarded-For", "198.51.100.1")
                .add("X-Forwarded-Proto", "http")
                .add("X-Request-Id", "spoofed")
                .add("X-Client-Cert-Subject", "CN=admin")
                .add("Accept", "application/json");

        HttpRequest out = ForwardedRequest.upstreamHead(in, "/x", "192.0.2.7", "req-1", IdentityHeaders::isIdentityHeader);

        assertThat(out.uri()).isEqualTo("/x");
        assertThat(out.headers().names()).map(String::toLowerCase)
                .doesNotContain("connection", "x-hop", "keep-alive", "x-client-cert-subject", "host");
        assertThat(out.headers().get("x-forwarded-for")).isEqualTo("198.51.100.1, 192.0.2.7");
        assertThat(out.headers().getAll("x-forwarded-proto")).containsExactly("https");
        assertThat(out.headers().getAll("x-request-id")).containsExactly("req-1");
        assertThat(out.headers().get("x-forwarded-host")).isEqualTo("devices.example.com");
        assertThat(out.headers().get("transfer-encoding")).isEqualTo("chunked"); // the framing, re-encoded on this hop
        assertThat(out.headers().get("accept")).isEqualTo("application/json");
    }

    @Test
    void theHttp2HeadHasNoConnectionSpecificHeadersAndTeOnlyAsTrailers() {
        HttpRequest in = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/x");
        in.headers().add("Host", "10.0.0.21:8080")
                .add("Transfer-Encoding", "chunked")
                .add("Connection", "Upgrade")
                .add("Upgrade", "websocket")
                .add("Keep-Alive", "timeout=5")
                .add("Proxy-Connection", "keep-alive")
                .add("TE", "trailers")
                .add("Content-Type", "application/json");

        HttpRequest out = ForwardedRequest.forHttp2(in);

        assertThat(out.method()).isEqualTo(HttpMethod.POST);
        assertThat(out.uri()).isEqualTo("/x");
        assertThat(out.headers().names()).map(String::toLowerCase).containsExactlyInAnyOrder("host", "te", "content-type");
        assertThat(out.headers().get("te")).isEqualTo("trailers");
        // the head of an HTTP/1.1 retry keeps its framing
        assertThat(in.headers().get("transfer-encoding")).isEqualTo("chunked");

        in.headers().set("TE", "gzip");
        assertThat(ForwardedRequest.forHttp2(in).headers().contains("te")).isFalse();
    }
}
