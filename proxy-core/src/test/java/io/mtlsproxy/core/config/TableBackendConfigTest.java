package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code type: table}: its forms, its defaults, and a message naming the setting for every mistake. */
class TableBackendConfigTest {
    private static final String KEY_STRING = "DefaultEndpointsProtocol=https;AccountName=contoso;"
            + "AccountKey=c2VjcmV0LWFjY291bnQta2V5;EndpointSuffix=core.windows.net";

    @TempDir
    Path dir;

    private ConfigFixture fixture() {
        return new ConfigFixture(dir);
    }

    private BackendConfig.Table table(String backendLines) throws ConfigException {
        return table(backendLines, Map.of());
    }

    private BackendConfig.Table table(String backendLines, Map<String, String> env) throws ConfigException {
        GatewayConfig config = fixture().load(ConfigFixture.MINIMAL + "secrets:\n  backends:\n    - type: table\n"
                + backendLines.indent(6), env);
        return (BackendConfig.Table) config.secrets().backends().get(0);
    }

    private List<String> problems(String backendLines) {
        return fixture().problems(ConfigFixture.MINIMAL + "secrets:\n  backends:\n    - type: table\n" + backendLines.indent(6),
                Map.of("TABLE_KEY", KEY_STRING));
    }

    @Test
    void originEndpointFormWithTheOriginsDefaults() throws Exception {
        BackendConfig.Table table = table("endpoint: https://contoso.table.core.windows.net/Secrets");

        assertThat(table.name()).isEqualTo("table");
        assertThat(table.type()).isEqualTo("table");
        assertThat(table.effectiveTable()).isEqualTo("Secrets");
        assertThat(table.accountEndpoint()).isEqualTo("https://contoso.table.core.windows.net");
        assertThat(table.partitionKey()).isEqualTo("secret");
        assertThat(table.rowKey()).isEqualTo("{name}");
        assertThat(table.valueProperty()).isEqualTo("Value");
        assertThat(table.credential()).isNull(); // DefaultAzureCredential
        assertThat(table.cache()).isNull();
        assertThat(table.timeout()).isNull();
        assertThat(table.circuitBreaker()).isNull();
    }

    @Test
    void accountEndpointWithASeparateTableAndACredential() throws Exception {
        BackendConfig.Table table = table("""
                endpoint: https://contoso.table.core.windows.net/
                table: DeviceSecrets
                credential: {type: workloadIdentity, clientId: 11111111-2222-3333-4444-555555555555}
                partitionKey: gateway
                rowKey: "prod-{name}"
                valueProperty: Secret
                timeout: 2s
                """);

        assertThat(table.effectiveTable()).isEqualTo("DeviceSecrets");
        assertThat(table.accountEndpoint()).isEqualTo("https://contoso.table.core.windows.net");
        assertThat(table.credential().type()).isEqualTo("workloadIdentity");
        assertThat(table.rowKey()).isEqualTo("prod-{name}");
        assertThat(table.valueProperty()).isEqualTo("Secret");
        assertThat(table.timeout()).hasSeconds(2);
    }

    @Test
    void emulatorEndpointCarriesTheAccountInThePath() throws Exception {
        BackendConfig.Table table = table("endpoint: https://127.0.0.1:10002/devstoreaccount1/Secrets");

        assertThat(table.effectiveTable()).isEqualTo("Secrets");
        assertThat(table.accountEndpoint()).isEqualTo("https://127.0.0.1:10002/devstoreaccount1");
    }

    @Test
    void connectionStringIsASecretNeverPrinted() throws Exception {
        BackendConfig.Table table = table("connectionString: \"${TABLE_KEY}\"\ntable: Secrets", Map.of("TABLE_KEY", KEY_STRING));

        assertThat(table.connectionString().reveal()).isEqualTo(KEY_STRING);
        assertThat(table.effectiveTable()).isEqualTo("Secrets");
        assertThat(table.accountEndpoint()).isNull();
        assertThat(table.toString()).doesNotContain("c2VjcmV0LWFjY291bnQta2V5");
    }

    @Test
    void neitherOrBothFormsAreRefused() {
        assertThat(problems("table: Secrets")).singleElement().asString()
                .startsWith("secrets.backends[0].endpoint: required");
        assertThat(problems("endpoint: https://contoso.table.core.windows.net/Secrets\nconnectionString: \"${TABLE_KEY}\""))
                .singleElement().asString().startsWith("secrets.backends[0].connectionString: set either endpoint");
    }

    @Test
    void connectionStringNeedsATableAndNoCredential() {
        assertThat(problems("connectionString: \"${TABLE_KEY}\"\ncredential: {type: managedIdentity}"))
                .containsExactlyInAnyOrder(
                        "secrets.backends[0].table: required: the table name, unless the endpoint's path carries it",
                        "secrets.backends[0].credential: not used with connectionString (it carries the key or SAS); remove it");
    }

    @Test
    void brokenConnectionStringIsRefusedWithoutShowingIt() {
        List<String> problems = problems("connectionString: \"AccountName=contoso;Password=hunter2\"\ntable: Secrets");

        assertThat(problems).containsExactly(
                "secrets.backends[0].connectionString: has neither AccountKey nor SharedAccessSignature (value not shown)");
        assertThat(String.join("\n", problems)).doesNotContain("hunter2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://contoso.table.core.windows.net/Secrets", "ftp://contoso/Secrets", "Secrets"})
    void endpointMustBeHttps(String endpoint) {
        assertThat(problems("endpoint: \"" + endpoint + "\"")).singleElement().asString()
                .startsWith("secrets.backends[0].endpoint: must be an https URL");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "https://contoso.table.core.windows.net/Secrets?sv=2024&sig=abc",
        "https://user:pw@contoso.table.core.windows.net/Secrets",
        "https://contoso.table.core.windows.net/Secrets#x"})
    void endpointWithCredentialsOrQueryIsRefused(String endpoint) {
        assertThat(problems("endpoint: \"" + endpoint + "\"")).singleElement().asString()
                .startsWith("secrets.backends[0].endpoint: must not carry user info, a query or a fragment");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "https://contoso.table.core.windows.net/a/Secrets",
        "https://contoso.table.core.windows.net/Se-crets",
        "https://contoso.table.core.windows.net/ab"})
    void endpointPathMustBeATableName(String endpoint) {
        assertThat(problems("endpoint: \"" + endpoint + "\"")).singleElement().asString()
                .startsWith("secrets.backends[0].endpoint: the path must be the table name");
    }

    @Test
    void tableMustBeATableNameAndAgreeWithTheEndpoint() {
        assertThat(problems("endpoint: https://contoso.table.core.windows.net\ntable: my-table")).containsExactly(
                "secrets.backends[0].table: 'my-table' is not a table name (a letter, then letters or digits, 3 to 63 characters)");
        assertThat(problems("endpoint: https://contoso.table.core.windows.net/Secrets\ntable: Other")).containsExactly(
                "secrets.backends[0].table: 'Other' contradicts the table in endpoint ('Secrets'); set it in one place");
        assertThat(problems("endpoint: https://contoso.table.core.windows.net")).containsExactly(
                "secrets.backends[0].table: required: the table name, unless the endpoint's path carries it");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "a\\\\b", "a#b", "a?b", "a\\tb", "\"\""})
    void partitionKeyMustBeAValidKey(String key) {
        assertThat(problems("endpoint: https://contoso.table.core.windows.net/Secrets\npartitionKey: \"" + key.replace("\"\"", "")
                + "\"")).singleElement().asString().startsWith("secrets.backends[0].partitionKey: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"prefix", "{name}-{name}", "a/{name}", "{name}#", "x?{name}"})
    void rowKeyTemplateMustHoldTheNameOnceAndValidCharacters(String template) {
        assertThat(problems("endpoint: https://contoso.table.core.windows.net/Secrets\nrowKey: \"" + template + "\""))
                .singleElement().asString().startsWith("secrets.backends[0].rowKey: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"RowKey", "PartitionKey", "Timestamp", "1st", "my-value", "\"\""})
    void valuePropertyMustBeAUserProperty(String property) {
        assertThat(problems("endpoint: https://contoso.table.core.windows.net/Secrets\nvalueProperty: " + property))
                .singleElement().asString().startsWith("secrets.backends[0].valueProperty: ");
    }

    @Test
    void credentialSettingsAreCheckedPerType() {
        String endpoint = "endpoint: https://contoso.table.core.windows.net/Secrets\n";
        assertThat(problems(endpoint + "credential: {type: password}")).singleElement().asString()
                .startsWith("secrets.backends[0].credential.type: unknown 'password'");
        assertThat(problems(endpoint + "credential: {type: clientSecret}")).containsExactlyInAnyOrder(
                "secrets.backends[0].credential.tenantId: required for type clientSecret",
                "secrets.backends[0].credential.clientId: required for type clientSecret",
                "secrets.backends[0].credential.clientSecret: required for type clientSecret");
        assertThat(problems(endpoint + "credential: {type: clientCertificate, tenantId: t, clientId: c}")).containsExactly(
                "secrets.backends[0].credential.certificate: required for type clientCertificate (PEM with the certificate and key)");
        assertThat(problems(endpoint + "credential: {type: managedIdentity, tenantId: t, clientSecret: s}"))
                .containsExactlyInAnyOrder(
                        "secrets.backends[0].credential.tenantId: not used by type managedIdentity; remove it",
                        "secrets.backends[0].credential.clientSecret: not used by type managedIdentity; remove it");
        assertThat(problems(endpoint + "credential: {type: default, authorityHost: 'http://login.example'}")).containsExactly(
                "secrets.backends[0].credential.authorityHost: must be an https URL, e.g. https://login.microsoftonline.com");
    }

    @Test
    void everyFormIsAcceptedByTheModel() {
        BackendConfig.Table table = new BackendConfig.Table(null, URI.create("https://a.table.core.windows.net/Secrets"),
                null, null, null, null, null, null, null, null, null);
        assertThat(table.effectiveTable()).isEqualTo("Secrets");
        assertThat(table.name()).isEqualTo("table");
    }
}
