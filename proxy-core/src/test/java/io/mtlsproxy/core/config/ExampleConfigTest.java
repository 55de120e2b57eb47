package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps config/mtls-proxy.example.yaml from rotting: it must load, name every setting of every
 * config record (set, or commented out where it would contradict another), explain each one, and
 * show the real defaults. Loading reads no certificate: the files it names need not exist.
 */
class ExampleConfigTest {
    /** Surefire runs in the module folder; the example lives at the top of the repository. */
    static final Path EXAMPLE = Path.of("").toAbsolutePath().getParent().resolve("config/mtls-proxy.example.yaml");
    private static final Map<String, String> ENV = Map.of("KIOSK_WIFI_PSK", "example-wifi-key");
    private static final Pattern KEY_LINE = Pattern.compile("^\\s*(#\\s*)?(-\\s+)?([A-Za-z][A-Za-z0-9-]*):(\\s|$).*");

    private static GatewayConfig load() throws ConfigException {
        return new ConfigLoader(ENV).load(EXAMPLE);
    }

    @Test
    void exampleLoads() throws Exception {
        GatewayConfig config = load();

        assertThat(config.tls().certificate()).isEqualTo(Path.of("/etc/mtls-proxy/server.pem"));
        assertThat(config.tls().privateKey()).isEqualTo(Path.of("/etc/mtls-proxy/server.key"));
        assertThat(config.tls().trustAnchors()).containsExactly(Path.of("/etc/mtls-proxy/devices-root-ca.pem"));
        assertThat(config.access().rules()).extracting(AccessRuleConfig::name).containsExactly("kiosk-fleet", "per-device");
        assertThat(config.access().rules().get(0).match().subject()).containsExactly("CN=kiosk-*,OU=Kiosks,O=Contoso");
        assertThat(config.access().rules().get(1).secrets()).containsExactly("device-{cn}");
        assertThat(config.secrets().backends()).extracting(BackendConfig::type)
                .containsExactly("appsettings", "file", "keyvault", "table");
        BackendConfig.AppSettings app = (BackendConfig.AppSettings) config.secrets().backends().get(0);
        assertThat(app.values().get("kiosk-wifi-psk").reveal()).isEqualTo("example-wifi-key");
        assertThat(config.toString()).doesNotContain("example-wifi-key");
    }

    @Test
    void exampleNeedsItsVariable() {
        assertThat(new ConfigFixture(EXAMPLE.getParent()).problemsOf(EXAMPLE, Map.of()))
                .containsExactly("secrets.backends[0].values.kiosk-wifi-psk: refers to environment variable KIOSK_WIFI_PSK, which is not set");
    }

    @Test
    void exampleShowsTheRealDefaults() throws Exception {
        GatewayConfig config = load();

        assertThat(config.listener()).isEqualTo(ListenerConfig.defaults());
        assertThat(config.policy()).isEqualTo(PolicyConfig.defaults());
        assertThat(config.secrets().cache()).isEqualTo(CacheConfig.defaults());
        assertThat(config.origin()).isEqualTo(OriginConfig.defaults());
        assertThat(config.limits()).isEqualTo(LimitsConfig.defaults());
        assertThat(config.admin()).isEqualTo(AdminConfig.defaults());
        assertThat(config.logging()).isEqualTo(LoggingConfig.defaults());
        assertThat(config.audit()).isEqualTo(AuditConfig.defaults());
        assertThat(config.reload()).isEqualTo(ReloadConfig.defaults());
        ProxyRouteConfig route = config.proxy().routes().get(0);
        UpstreamConfig upstream = route.upstream();
        UpstreamConfig upstreamDefaults = new UpstreamConfig(upstream.targets(), null, null, null, null, null, null, null);
        assertThat(route.stripPrefix()).isEqualTo(new ProxyRouteConfig(null, null, null, null, null, null, null).stripPrefix());
        assertThat(upstream).isEqualTo(upstreamDefaults);
        TlsConfig defaults = TlsConfig.empty();
        assertThat(config.tls().protocols()).isEqualTo(defaults.protocols());
        assertThat(config.tls().sessionTickets()).isEqualTo(defaults.sessionTickets());
        assertThat(config.tls().sessionCacheSize()).isEqualTo(defaults.sessionCacheSize());
        assertThat(config.tls().sessionTimeout()).isEqualTo(defaults.sessionTimeout());
        BackendConfig.AppSettings app = (BackendConfig.AppSettings) config.secrets().backends().get(0);
        BackendConfig.AppSettings appDefaults = new BackendConfig.AppSettings(null, null, null);
        assertThat(app.name()).isEqualTo(appDefaults.name());
        assertThat(app.envPrefix()).isEqualTo(appDefaults.envPrefix());
        assertThat(((BackendConfig.Files) config.secrets().backends().get(1)).trimTrailingNewline())
                .isEqualTo(new BackendConfig.Files(null, null, null).trimTrailingNewline());
        BackendConfig.KeyVault vault = (BackendConfig.KeyVault) config.secrets().backends().get(2);
        BackendConfig.KeyVault vaultDefaults = new BackendConfig.KeyVault(null, null, null, null);
        assertThat(vault.name()).isEqualTo(vaultDefaults.name());
        assertThat(vault.credential()).isEqualTo(vaultDefaults.credential());
        assertThat(vault.apiVersion()).isEqualTo(vaultDefaults.apiVersion());
        BackendConfig.Table table = (BackendConfig.Table) config.secrets().backends().get(3);
        BackendConfig.Table tableDefaults =
                new BackendConfig.Table(null, null, null, null, null, null, null, null, null, null, null);
        assertThat(table.partitionKey()).isEqualTo(tableDefaults.partitionKey());
        assertThat(table.rowKey()).isEqualTo(tableDefaults.rowKey());
        assertThat(table.valueProperty()).isEqualTo(tableDefaults.valueProperty());
    }

    @Test
    void sectionsComeInRecordOrder() throws Exception {
        JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(EXAMPLE.toFile());
        List<String> sections = new ArrayList<>();
        tree.fieldNames().forEachRemaining(sections::add);

        assertThat(sections).containsExactly(
                Arrays.stream(GatewayConfig.class.getRecordComponents()).map(RecordComponent::getName).toArray(String[]::new));
        assertThat(sections).containsExactly("listener", "tls", "policy", "policies", "revocation", "entra", "access", "secrets", "api",
                "origin", "limits", "admin", "logging", "audit", "reload", "ingress", "proxy");
    }

    @Test
    void everySettingIsInTheExample() throws Exception {
        Set<String> written = new LinkedHashSet<>();
        for (String line : Files.readAllLines(EXAMPLE)) {
            var m = KEY_LINE.matcher(line);
            if (m.matches()) {
                written.add(m.group(3));
            }
        }

        assertThat(written).containsAll(settingNames());
    }

    @Test
    void everySettingHasACommentAbove() throws Exception {
        List<String> lines = Files.readAllLines(EXAMPLE);
        Set<String> settings = settingNames();
        List<String> undocumented = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            var m = KEY_LINE.matcher(lines.get(i));
            if (!m.matches() || !settings.contains(m.group(3))) {
                continue;
            }
            String above = i == 0 ? "" : lines.get(i - 1).trim();
            if (!above.startsWith("#") || above.length() < 10) {
                undocumented.add((i + 1) + ": " + lines.get(i).trim());
            }
        }

        assertThat(undocumented).as("setting lines without a comment line above").isEmpty();
    }

    /** Every record component under GatewayConfig, including each backend kind's, plus the backend's type. */
    static Set<String> settingNames() {
        Set<String> names = new LinkedHashSet<>();
        names.add("type");
        collect(GatewayConfig.class, names, new LinkedHashSet<>());
        for (Class<?> kind : BackendConfig.class.getPermittedSubclasses()) {
            collect(kind, names, new LinkedHashSet<>());
        }
        return names;
    }

    private static void collect(Class<?> type, Set<String> names, Set<Class<?>> seen) {
        if (!type.isRecord() || !seen.add(type)) {
            return;
        }
        for (RecordComponent component : type.getRecordComponents()) {
            names.add(component.getName());
            collect(component.getType(), names, seen);
            Type generic = component.getGenericType();
            if (generic instanceof ParameterizedType parameterized) {
                for (Type argument : parameterized.getActualTypeArguments()) {
                    if (argument instanceof Class<?> c) {
                        collect(c, names, seen);
                    }
                }
            }
        }
    }
}
