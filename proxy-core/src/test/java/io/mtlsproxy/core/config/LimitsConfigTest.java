package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The limits section and the listener's abuse-control settings: binding, defaults, and each start-up check. */
class LimitsConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fixture;

    @BeforeEach
    void fixture() {
        fixture = new ConfigFixture(dir);
    }

    private List<String> problemsWith(String moreYaml) {
        return fixture.problems(ConfigFixture.MINIMAL + moreYaml);
    }

    @Test
    void everythingIsOffByDefault() throws Exception {
        GatewayConfig config = fixture.loadWith("");
        LimitsConfig limits = config.limits();
        assertThat(limits.perIdentity().enabled()).isFalse();
        assertThat(limits.perIp().enabled()).isFalse();
        assertThat(limits.handshakesPerIp().enabled()).isFalse();
        assertThat(limits.maxConnections()).isZero();
        assertThat(limits.lockout().enabled()).isFalse();
        assertThat(config.listener().proxyProtocol()).isEqualTo(ListenerConfig.ProxyProtocol.OFF);
        assertThat(config.listener().allowedClients()).isEmpty();
        assertThat(config.listener().requestHeadTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.listener().writeTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void settingsBind() throws Exception {
        GatewayConfig config = fixture.loadWith("""
                listener:
                  requestHeadTimeout: 300ms
                  writeTimeout: 2s
                  allowedClients: [10.0.0.0/8, "2001:db8::/32"]
                  proxyProtocol: v2
                  trustedProxies: [192.0.2.10]
                limits:
                  perIdentity: {rate: 0.5}
                  perIp: {rate: 20, burst: 40}
                  handshakesPerIp: {rate: 5, burst: 10}
                  maxConnections: 1000
                  maxConnectionsPerIp: 10
                  lockout: {maxRefusals: 5, window: 30s, duration: 10m, byIp: false}
                """);
        LimitsConfig limits = config.limits();
        assertThat(limits.perIdentity().rate()).isEqualTo(0.5);
        assertThat(limits.perIdentity().effectiveBurst()).isEqualTo(1);
        assertThat(limits.perIp().effectiveBurst()).isEqualTo(40);
        assertThat(limits.handshakesPerIp().rate()).isEqualTo(5.0);
        assertThat(limits.maxConnectionsPerIp()).isEqualTo(10);
        assertThat(limits.lockout()).isEqualTo(new LockoutConfig(5, Duration.ofSeconds(30), Duration.ofMinutes(10), true, false));
        assertThat(config.listener().proxyProtocol()).isEqualTo(ListenerConfig.ProxyProtocol.V2);
        assertThat(config.listener().allowedClients()).containsExactly("10.0.0.0/8", "2001:db8::/32");
        assertThat(config.listener().requestHeadTimeout()).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void unquotedOffIsOff() throws Exception {
        assertThat(fixture.loadWith("listener:\n  proxyProtocol: off\n").listener().proxyProtocol())
                .isEqualTo(ListenerConfig.ProxyProtocol.OFF);
        assertThat(problemsWith("listener:\n  proxyProtocol: v1\n")).singleElement().asString()
                .contains("listener.proxyProtocol");
    }

    @Test
    void badNetworksAreNamedByIndex() {
        assertThat(problemsWith("""
                listener:
                  allowedClients: [10.0.0.0/8, intranet.example]
                  proxyProtocol: v2
                  trustedProxies: [10.0.0.1/40]
                """)).containsExactlyInAnyOrder(
                "listener.allowedClients[1]: 'intranet.example' is not an IPv4 or IPv6 address (host names are not allowed)",
                "listener.trustedProxies[0]: '10.0.0.1/40': the prefix length must be 0 to 32");
    }

    @Test
    void proxyProtocolAndTrustedProxiesGoTogether() {
        assertThat(problemsWith("listener:\n  proxyProtocol: v2\n")).singleElement().asString()
                .startsWith("listener.trustedProxies: listener.proxyProtocol is v2");
        assertThat(problemsWith("listener:\n  trustedProxies: [10.0.0.1]\n")).singleElement().asString()
                .startsWith("listener.trustedProxies: set, but listener.proxyProtocol is off");
    }

    @Test
    void limitProblemsNameTheirSetting() {
        assertThat(problemsWith("""
                listener:
                  requestHeadTimeout: 0s
                  writeTimeout: PT-1S
                limits:
                  perIdentity: {rate: 0}
                  perIp: {burst: 3}
                  handshakesPerIp: {rate: 1, burst: 0}
                  maxConnections: 5
                  maxConnectionsPerIp: 6
                  maxTrackedClients: 0
                  lockout: {maxRefusals: -1, window: 0s, duration: 0s}
                """)).containsExactlyInAnyOrder(
                "listener.requestHeadTimeout: must be longer than zero",
                "listener.writeTimeout: must be longer than zero",
                "limits.perIdentity.rate: must be more than 0 per second",
                "limits.perIp.burst: set, but limits.perIp.rate is not (the limit is off without a rate)",
                "limits.handshakesPerIp.burst: must be at least 1",
                "limits.maxConnectionsPerIp: 6 is more than limits.maxConnections (5)",
                "limits.maxTrackedClients: must be at least 1",
                "limits.lockout.maxRefusals: must be at least 0 (0 turns lockout off)",
                "limits.lockout.window: must be longer than zero",
                "limits.lockout.duration: must be longer than zero");
        assertThat(problemsWith("limits:\n  lockout: {maxRefusals: 3, byIdentity: false, byIp: false}\n"))
                .singleElement().asString().startsWith("limits.lockout: maxRefusals is set but");
    }
}
