package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy section: defaults, route policies joining the others, and each contradiction named by its setting. */
class ProxyConfigTest {
    @TempDir
    Path dir;

    private ConfigFixture fixture() {
        return new ConfigFixture(dir);
    }

    private static String route(String body) {
        return "proxy:\n  routes:\n" + body.indent(4);
    }

    private List<String> problemsWith(String more) {
        return fixture().problems(ConfigFixture.MINIMAL + more);
    }

    @Test
    void aRouteGetsItsDefaults() throws Exception {
        GatewayConfig config = fixture().loadWith(route("""
                - name: inventory
                  pathPrefix: /inventory
                  upstream: {targets: [http://127.0.0.1:8080]}
                """));

        ProxyRouteConfig route = config.proxy().routes().get(0);
        assertThat(route.stripPrefix()).isFalse();
        UpstreamConfig upstream = route.upstream();
        assertThat(upstream.balancing()).isEqualTo(UpstreamConfig.Balancing.ROUND_ROBIN);
        assertThat(upstream.retries()).isEqualTo(1);
        assertThat(upstream.timeouts()).isEqualTo(new UpstreamTimeoutsConfig(Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofSeconds(60)));
        assertThat(upstream.health()).isEqualTo(new PassiveHealthConfig(3, Duration.ofSeconds(30)));
        assertThat(upstream.pool().maxIdlePerTarget()).isEqualTo(16);
        assertThat(upstream.tls()).isEqualTo(UpstreamTlsConfig.defaults());
    }

    @Test
    void balancingIsWrittenWithADash() throws Exception {
        GatewayConfig config = fixture().loadWith(route("""
                - name: inventory
                  pathPrefix: /inventory
                  upstream: {targets: [http://127.0.0.1:8080], balancing: least-requests}
                """));

        assertThat(config.proxy().routes().get(0).upstream().balancing()).isEqualTo(UpstreamConfig.Balancing.LEAST_REQUESTS);
    }

    @Test
    void protocolIsHttp1UnlessH2IsAskedFor() throws Exception {
        GatewayConfig config = fixture().loadWith(route("""
                - name: inventory
                  pathPrefix: /inventory
                  upstream: {targets: [http://127.0.0.1:8080]}
                - name: tickets
                  pathPrefix: /tickets
                  upstream: {targets: [https://tickets.internal], protocol: H2}
                """));

        assertThat(config.proxy().routes()).extracting(r -> r.upstream().protocol())
                .containsExactly(UpstreamConfig.Protocol.HTTP1, UpstreamConfig.Protocol.H2);
    }

    @Test
    void anUnknownProtocolIsRefusedNamingTheSetting() {
        assertThat(String.join("\n", problemsWith(route("""
                - name: inventory
                  pathPrefix: /inventory
                  upstream: {targets: [http://127.0.0.1:8080], protocol: h3}
                """))))
                .contains("proxy.routes[0].upstream.protocol").contains("'h3' is not one of http1, h2");
    }

    @Test
    void routePoliciesJoinTheOthersWithTheListenerModeUnlessTheyNameTheirOwn() throws Exception {
        GatewayConfig config = fixture().loadWith("policies:\n  kiosks: {cn: kiosk-*}\n" + route("""
                - name: inventory
                  pathPrefix: /inventory
                  policy: kiosks
                  upstream: {targets: [http://127.0.0.1:8080]}
                - name: tickets
                  pathPrefix: /tickets
                  mode: audit
                  upstream: {targets: [http://127.0.0.1:8081]}
                """));

        assertThat(config.routePolicies()).containsExactly(
                new RoutePolicy("api", "api", null, PolicyMode.ENFORCE),
                new RoutePolicy("origin", "origin", null, PolicyMode.ENFORCE),
                new RoutePolicy("inventory", "proxy.routes[0]", "kiosks", PolicyMode.ENFORCE),
                new RoutePolicy("tickets", "proxy.routes[1]", null, PolicyMode.AUDIT));
    }

    @Test
    void unknownRoutePolicyIsNamed() {
        assertThat(problemsWith(route("""
                - name: inventory
                  pathPrefix: /inventory
                  policy: kiosks
                  upstream: {targets: [http://127.0.0.1:8080]}
                """))).containsExactly("proxy.routes[0].policy: no policy named 'kiosks' under policies (known: [])");
    }

    @Test
    void namesAreRequiredUniqueAndNotBuiltIn() {
        assertThat(problemsWith(route("""
                - pathPrefix: /a
                  upstream: {targets: [http://127.0.0.1:8080]}
                - name: b
                  pathPrefix: /b
                  upstream: {targets: [http://127.0.0.1:8080]}
                - name: b
                  pathPrefix: /c
                  upstream: {targets: [http://127.0.0.1:8080]}
                - name: api
                  pathPrefix: /d
                  upstream: {targets: [http://127.0.0.1:8080]}
                """))).containsExactly(
                "proxy.routes[0].name: every route needs a name of letters, digits, '.', '_' and '-' (at most 64), "
                        + "used in access rules and audit lines",
                "proxy.routes[2].name: 'b' is used by another route",
                "proxy.routes[3].name: 'api' is the name of a built-in route");
    }

    @Test
    void prefixesMustStartWithASlashAndStayClearOfTheSecretsAndOriginRoutes() {
        assertThat(problemsWith(route("""
                - name: a
                  pathPrefix: inventory
                  upstream: {targets: [http://127.0.0.1:8080]}
                - name: b
                  pathPrefix: /
                  upstream: {targets: [http://127.0.0.1:8080]}
                - name: c
                  pathPrefix: /v1/secrets/more
                  upstream: {targets: [http://127.0.0.1:8080]}
                - name: d
                  pathPrefix: /API
                  upstream: {targets: [http://127.0.0.1:8080]}
                - name: e
                  pathPrefix: /v1/secretsx
                  upstream: {targets: [http://127.0.0.1:8080]}
                """))).containsExactly(
                "proxy.routes[0].pathPrefix: must start with '/'",
                "proxy.routes[1].pathPrefix: '/' overlaps /v1/secrets/, the secrets API",
                "proxy.routes[1].pathPrefix: '/' overlaps origin.path (/api/certificatesecretproxy)",
                "proxy.routes[2].pathPrefix: '/v1/secrets/more' overlaps /v1/secrets/, the secrets API",
                "proxy.routes[3].pathPrefix: '/API' overlaps origin.path (/api/certificatesecretproxy)");
    }

    @Test
    void theSamePrefixTwiceOnOneHostIsRefused() {
        assertThat(problemsWith(route("""
                - name: a
                  pathPrefix: /inventory
                  upstream: {targets: [http://127.0.0.1:8080]}
                - name: b
                  pathPrefix: /inventory
                  host: inventory.example.com
                  upstream: {targets: [http://127.0.0.1:8080]}
                - name: c
                  pathPrefix: /inventory
                  host: INVENTORY.example.com
                  upstream: {targets: [http://127.0.0.1:8080]}
                """))).containsExactly(
                "proxy.routes[2].pathPrefix: another route already takes /inventory on host INVENTORY.example.com");
    }

    @Test
    void targetsMustBePlainHttpOrHttpsUrlsOfOneScheme() {
        assertThat(problemsWith(route("""
                - name: a
                  pathPrefix: /a
                  upstream: {targets: []}
                - name: b
                  pathPrefix: /b
                  upstream: {targets: ["ftp://x", "http://h:8080/base", "http://h:1", "https://h:2"]}
                """))).containsExactly(
                "proxy.routes[0].upstream.targets: list at least one http:// or https:// URL",
                "proxy.routes[1].upstream.targets[0]: 'ftp://x' is not an http://host[:port] or https://host[:port] URL",
                "proxy.routes[1].upstream.targets[1]: 'http://h:8080/base' must be scheme://host[:port] alone "
                        + "(no path, query, fragment or user)",
                "proxy.routes[1].upstream.targets: mixes http and https; one upstream speaks one scheme "
                        + "(its tls settings apply to all)");
    }

    @Test
    void tlsFilesMustExistAndComeInPairs() throws Exception {
        Path ca = Files.writeString(dir.resolve("upstream-ca.pem"), "x");
        assertThat(problemsWith(route("""
                - name: a
                  pathPrefix: /a
                  upstream:
                    targets: [https://h:8443]
                    tls: {trustedCa: %s, certificate: missing.pem}
                - name: b
                  pathPrefix: /b
                  upstream:
                    targets: [http://h:8080]
                    tls: {serverName: h}
                """.formatted(ca)))).containsExactly(
                "proxy.routes[0].upstream.tls.certificate: " + dir.resolve("missing.pem") + " does not exist or cannot be read",
                "proxy.routes[0].upstream.tls.privateKey: tls.certificate is set; the client certificate needs its private key",
                "proxy.routes[1].upstream.tls: set, but no target is https://, so it would never be used");
    }

    @Test
    void timeoutsRetriesHealthAndPoolAreBounded() {
        assertThat(problemsWith(route("""
                - name: a
                  pathPrefix: /a
                  upstream:
                    targets: [http://h:8080]
                    timeouts: {connect: 0s, responseHeader: 0s, idle: 0s}
                    retries: -1
                    health: {ejectAfter: -1, ejectFor: 0s}
                    pool: {maxIdlePerTarget: -1}
                """))).containsExactly(
                "proxy.routes[0].upstream.timeouts.connect: must be longer than zero",
                "proxy.routes[0].upstream.timeouts.responseHeader: must be longer than zero",
                "proxy.routes[0].upstream.timeouts.idle: must be longer than zero",
                "proxy.routes[0].upstream.retries: must be between 0 and 10",
                "proxy.routes[0].upstream.health.ejectAfter: must be at least 0 (0 never ejects)",
                "proxy.routes[0].upstream.health.ejectFor: must be longer than zero",
                "proxy.routes[0].upstream.pool.maxIdlePerTarget: must be at least 0 (0 keeps no idle connection)");
    }
}
