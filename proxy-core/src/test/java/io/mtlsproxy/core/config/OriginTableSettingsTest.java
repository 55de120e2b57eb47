package io.mtlsproxy.core.config;

import static io.mtlsproxy.core.config.ConfigFixture.environmentProblems;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The origin's {@code WORKLOAD=TABLE}, read from the environment (ORIGIN.md). */
class OriginTableSettingsTest {
    private static final String KEY_STRING = "DefaultEndpointsProtocol=https;AccountName=contoso;"
            + "AccountKey=c2VjcmV0LWFjY291bnQta2V5;EndpointSuffix=core.windows.net";

    private static Map<String, String> env(String... keysAndValues) {
        Map<String, String> env = new HashMap<>();
        env.put("MTLSPROXY_TLS__CERTIFICATE", "/etc/mtls-proxy/server.pem");
        env.put("MTLSPROXY_TLS__PRIVATEKEY", "/etc/mtls-proxy/server.key");
        env.put("MTLSPROXY_TLS__TRUSTANCHORS__0", "/etc/mtls-proxy/devices-root.pem");
        env.put("AUTH_METHODS", "CertChainValidation");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            env.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return env;
    }

    private static BackendConfig.Table onlyBackend(Map<String, String> env) throws ConfigException {
        GatewayConfig config = new ConfigLoader(env).loadFromEnvironment();
        assertThat(config.secrets().backends()).hasSize(1);
        assertThat(config.secrets().effectiveDefaultBackend()).isEqualTo("table");
        return (BackendConfig.Table) config.secrets().backends().get(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TABLE", "table", " Table "})
    void tableEndpointWithTheManagedIdentityAsTheOrigin(String workload) throws Exception {
        BackendConfig.Table table = onlyBackend(env("WORKLOAD", workload,
                "TABLE_ENDPOINT", "https://contoso.table.core.windows.net/DeviceSecrets"));

        assertThat(table.endpoint()).isEqualTo(URI.create("https://contoso.table.core.windows.net/DeviceSecrets"));
        assertThat(table.effectiveTable()).isEqualTo("DeviceSecrets");
        assertThat(table.accountEndpoint()).isEqualTo("https://contoso.table.core.windows.net");
        assertThat(table.credential().type()).isEqualTo("managedIdentity");
        assertThat(table.connectionString()).isNull();
        // the origin's row mapping: PartitionKey 'secret', RowKey = the name, and the Value property for /v1
        assertThat(table.partitionKey()).isEqualTo("secret");
        assertThat(table.rowKey()).isEqualTo("{name}");
        assertThat(table.valueProperty()).isEqualTo("Value");
    }

    @Test
    void connectionStringWithATableName() throws Exception {
        BackendConfig.Table table = onlyBackend(env("WORKLOAD", "TABLE", "TABLE_CONNECTION_STRING", KEY_STRING,
                "TABLE_NAME", "Secrets"));

        assertThat(table.connectionString().reveal()).isEqualTo(KEY_STRING);
        assertThat(table.effectiveTable()).isEqualTo("Secrets");
        assertThat(table.credential()).isNull();
        assertThat(table.endpoint()).isNull();
    }

    @Test
    void tableWithoutEndpointIsRefusedNamingTheSetting() {
        assertThat(environmentProblems(env("WORKLOAD", "TABLE"))).containsExactly(
                "TABLE_ENDPOINT: required with WORKLOAD=TABLE (https://<account>.table.core.windows.net/<Table>)");
    }

    @Test
    void plainHttpEndpointIsRefused() {
        assertThat(environmentProblems(env("WORKLOAD", "TABLE", "TABLE_ENDPOINT", "http://contoso.table.core.windows.net/S1x")))
                .singleElement().asString().startsWith("TABLE_ENDPOINT: 'http://contoso.table.core.windows.net/S1x' is not an https URL");
    }

    @Test
    void endpointWithoutTableIsRefused() {
        assertThat(environmentProblems(env("WORKLOAD", "TABLE", "TABLE_ENDPOINT", "https://contoso.table.core.windows.net")))
                .containsExactly("secrets.backends[0].table: required: the table name, unless the endpoint's path carries it");
    }

    @Test
    void endpointAndConnectionStringTogetherAreRefused() {
        assertThat(environmentProblems(env("WORKLOAD", "TABLE", "TABLE_ENDPOINT", "https://a.table.core.windows.net/Secrets",
                "TABLE_CONNECTION_STRING", KEY_STRING))).singleElement().asString()
                .startsWith("TABLE_CONNECTION_STRING: set either TABLE_ENDPOINT");
    }

    @Test
    void connectionStringWithoutTableNameIsRefusedWithoutShowingIt() {
        var problems = environmentProblems(env("WORKLOAD", "TABLE", "TABLE_CONNECTION_STRING", KEY_STRING));

        assertThat(problems).containsExactly(
                "TABLE_NAME: required with TABLE_CONNECTION_STRING (the table that holds the secrets)");
        assertThat(String.join("\n", problems)).doesNotContain("c2VjcmV0LWFjY291bnQta2V5");
    }
}
