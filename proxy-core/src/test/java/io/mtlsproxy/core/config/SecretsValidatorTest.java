package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** secrets.routes, the cache defaults and each backend's tuning, checked at load. */
class SecretsValidatorTest {
    private static final String TWO_BACKENDS = """
            secrets:
              backends:
                - type: appsettings
                  name: settings
                - type: file
                  name: vault
                  directory: /run/secrets
            """;

    @TempDir
    Path dir;

    private List<String> problemsWith(String moreYaml) {
        return new ConfigFixture(dir).problems(ConfigFixture.MINIMAL + moreYaml);
    }

    @Test
    void routesLoadWithTheirDefaults() throws Exception {
        GatewayConfig config = new ConfigFixture(dir).loadWith(TWO_BACKENDS + """
                  routes:
                    - names: [wifi-psk, db]
                      backend: vault
                    - prefix: kv-
                      backend: vault
                      stripPrefix: true
                """);

        assertThat(config.secrets().routes()).containsExactly(
                RouteConfig.forNames("vault", "wifi-psk", "db"), RouteConfig.forPrefix("kv-", "vault", true));
    }

    @Test
    void routesCanBeGivenAsEnvironmentOverrides() throws Exception {
        GatewayConfig config = new ConfigFixture(dir).load(ConfigFixture.MINIMAL + TWO_BACKENDS, java.util.Map.of(
                "MTLSPROXY_SECRETS__ROUTES__0__PREFIX", "kv-",
                "MTLSPROXY_SECRETS__ROUTES__0__BACKEND", "vault",
                "MTLSPROXY_SECRETS__ROUTES__0__STRIPPREFIX", "true"));

        assertThat(config.secrets().routes()).containsExactly(RouteConfig.forPrefix("kv-", "vault", true));
    }

    @Test
    void noRoutesByDefault() throws Exception {
        assertThat(new ConfigFixture(dir).loadWith(TWO_BACKENDS).secrets().routes()).isEmpty();
    }

    @Test
    void everyBrokenRouteIsReportedWithItsPath() {
        assertThat(problemsWith(TWO_BACKENDS + """
                  routes:
                    - names: [a]
                      backend: nowhere
                    - backend: vault
                    - names: [b]
                      prefix: b-
                      backend: vault
                    - names: [a, ".hidden"]
                      backend: settings
                    - prefix: kv-
                      backend: vault
                    - prefix: kv-
                      backend: settings
                    - prefix: "/etc"
                      backend: vault
                    - prefix: ""
                      backend: vault
                    - names: [c]
                      backend: vault
                      stripPrefix: true
                    - names: [d]
                """)).containsExactlyInAnyOrder(
                "secrets.routes[0].backend: no backend is named 'nowhere' (known: [settings, vault])",
                "secrets.routes[1]: empty rule; give names (exact secret names) or a prefix",
                "secrets.routes[2]: give either names or a prefix, not both (write two rules)",
                "secrets.routes[3].names[0]: 'a' is already routed by secrets.routes[0]; this entry would never apply",
                "secrets.routes[3].names[1]: '.hidden' is not a valid secret name, so no request can reach this entry",
                "secrets.routes[5].prefix: 'kv-' is already routed by secrets.routes[4]; this rule would never apply",
                "secrets.routes[6].prefix: '/etc' cannot begin a valid secret name (1-127 letters, digits, '-', '_', '.',"
                        + " starting with a letter or digit), so no request can reach this rule",
                "secrets.routes[7].prefix: empty; to send every other name to one backend use secrets.defaultBackend",
                "secrets.routes[8].stripPrefix: only a prefix rule can strip its prefix",
                "secrets.routes[9].backend: every route needs the backend that serves it");
    }

    @Test
    void cacheDefaultsAreStated() {
        CacheConfig defaults = CacheConfig.defaults();

        assertThat(defaults.ttl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(defaults.maxEntries()).isEqualTo(10_000);
        assertThat(defaults.refreshAhead()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.negativeTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.staleIfError()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void cacheSettingsAreChecked() {
        assertThat(problemsWith("""
                secrets:
                  cache:
                    ttl: 20s
                    refreshAhead: 20s
                    negativeTtl: PT-1S
                    staleIfError: PT-1S
                """)).containsExactlyInAnyOrder(
                "secrets.cache.refreshAhead: 20s must be shorter than secrets.cache.ttl 20s, or every read would reload"
                        + " the secret",
                "secrets.cache.negativeTtl: must not be negative (0 turns negative caching off)",
                "secrets.cache.staleIfError: must not be negative (0 turns stale serving off)");
    }

    @Test
    void zeroTurnsFeaturesOff() throws Exception {
        CacheConfig cache = new ConfigFixture(dir).loadWith("""
                secrets:
                  cache: {refreshAhead: 0s, negativeTtl: 0s, staleIfError: 0s}
                """).secrets().cache();

        assertThat(cache.refreshAhead()).isZero();
        assertThat(cache.negativeTtl()).isZero();
        assertThat(cache.staleIfError()).isZero();
    }

    @Test
    void backendTuningIsCheckedAgainstTheInheritedValues() {
        assertThat(problemsWith("""
                secrets:
                  backends:
                    - type: file
                      name: files
                      directory: /run/secrets
                      cache: {ttl: 10s, negativeTtl: PT-1S}
                      timeout: 0s
                      circuitBreaker: {failureThreshold: 0, openFor: 0s}
                """)).containsExactlyInAnyOrder(
                "secrets.backends[0].cache.refreshAhead: 30s (from secrets.cache.refreshAhead) must be shorter than"
                        + " this backend's ttl 10s, or every read would reload the secret",
                "secrets.backends[0].cache.negativeTtl: must not be negative (0 turns negative caching off)",
                "secrets.backends[0].timeout: must be longer than zero",
                "secrets.backends[0].circuitBreaker.failureThreshold: must be at least 1",
                "secrets.backends[0].circuitBreaker.openFor: must be longer than zero");
    }
}
