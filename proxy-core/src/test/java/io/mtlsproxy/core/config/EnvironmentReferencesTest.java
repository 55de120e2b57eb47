package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ${VAR}} and {@code ${VAR:-default}} references inside the YAML. */
class EnvironmentReferencesTest {
    @TempDir
    Path dir;
    ConfigFixture fixture;

    @BeforeEach
    void fixture() {
        fixture = new ConfigFixture(dir);
    }

    @Test
    void referenceTakesTheVariable() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL + """
                listener:
                  bind: ${BIND_ADDRESS}
                  port: ${PORT}
                """, Map.of("BIND_ADDRESS", "10.0.0.5", "PORT", "9443"));

        assertThat(config.listener().bind()).isEqualTo("10.0.0.5");
        assertThat(config.listener().port()).isEqualTo(9443);
    }

    @Test
    void defaultIsUsedWhenTheVariableIsUnset() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL + """
                listener:
                  bind: ${BIND_ADDRESS:-127.0.0.1}
                  idleTimeout: ${IDLE:-45s}
                """, Map.of());

        assertThat(config.listener().bind()).isEqualTo("127.0.0.1");
        assertThat(config.listener().idleTimeout()).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void variableWinsOverTheDefault() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL + "listener:\n  bind: ${BIND_ADDRESS:-127.0.0.1}\n",
                Map.of("BIND_ADDRESS", "10.0.0.5"));

        assertThat(config.listener().bind()).isEqualTo("10.0.0.5");
    }

    @Test
    void emptyVariableTakesTheDefaultAsInTheShell() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL + "listener:\n  bind: ${BIND_ADDRESS:-127.0.0.1}\n",
                Map.of("BIND_ADDRESS", ""));

        assertThat(config.listener().bind()).isEqualTo("127.0.0.1");
    }

    @Test
    void emptyDefaultIsAllowed() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL + "origin:\n  path: /api/certificatesecretproxy${SUFFIX:-}\n");

        assertThat(config.origin().path()).isEqualTo("/api/certificatesecretproxy");
    }

    @Test
    void missingVariableIsRefusedNamingSettingAndVariable() {
        List<String> problems = fixture.problems("""
                tls:
                  certificate: /etc/mtls-proxy/server.pem
                  privateKey: /etc/mtls-proxy/server.key
                  trustAnchors: [/etc/ca/a.pem, "${SECOND_ANCHOR}"]
                listener:
                  bind: ${BIND_ADDRESS}
                """, Map.of());

        assertThat(problems).containsExactlyInAnyOrder(
                "tls.trustAnchors[1]: refers to environment variable SECOND_ANCHOR, which is not set",
                "listener.bind: refers to environment variable BIND_ADDRESS, which is not set");
    }

    @Test
    void severalReferencesInOneValue() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL + "origin:\n  path: /${PREFIX}/${NAME:-proxy}\n",
                Map.of("PREFIX", "api"));

        assertThat(config.origin().path()).isEqualTo("/api/proxy");
    }

    @Test
    void valuesAreTakenLiterallyNotExpandedAgain() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL + """
                secrets:
                  backends:
                    - type: appsettings
                      values:
                        odd: "${ODD}"
                """, Map.of("ODD", "a$1\\b${OTHER}", "OTHER", "expanded"));

        BackendConfig.AppSettings app = (BackendConfig.AppSettings) config.secrets().backends().get(0);
        assertThat(app.values().get("odd").reveal()).isEqualTo("a$1\\b${OTHER}");
    }

    @Test
    void referencesInsideSecretsAreResolvedButNeverPrinted() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL.replace("tls:\n", "tls:\n  privateKeyPassword: ${KEY_PASSWORD}\n"),
                Map.of("KEY_PASSWORD", "from-the-vault-42"));

        assertThat(config.tls().privateKeyPassword().reveal()).isEqualTo("from-the-vault-42");
        assertThat(config.toString()).doesNotContain("from-the-vault-42");
    }

    @Test
    void textThatOnlyLooksLikeAReferenceStays() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", "/root");
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL + "origin:\n  path: /$HOME/{cn}/${1BAD}\n", env);

        assertThat(config.origin().path()).isEqualTo("/$HOME/{cn}/${1BAD}");
    }
}
