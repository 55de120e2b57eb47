package io.mtlsproxy.backends.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.mtlsproxy.backends.InvalidSecretNameException;
import io.mtlsproxy.backends.SecretBackendException;
import io.mtlsproxy.backends.SecretNotFoundException;
import io.mtlsproxy.backends.SecretRef;
import io.mtlsproxy.backends.SecretUnavailableException;
import io.mtlsproxy.backends.SecretValue;
import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.Secret;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Table backend with the real SDK against Azurite, reached with a connection string (shared key). */
@ExtendWith(AzuriteExtension.class)
class TableBackendTest {
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final CountingHttpClient http = new CountingHttpClient();
    private Azurite azurite;
    private Rows rows;

    @BeforeEach
    void newTable(Azurite azurite) {
        this.azurite = azurite;
        this.rows = Rows.newTable(azurite);
    }

    @AfterEach
    void stopExecutor() {
        executor.shutdownNow();
    }

    private BackendConfig.Table config(String partitionKey, String rowKey, String valueProperty) {
        return new BackendConfig.Table("devices", null, new Secret(azurite.connectionString()), rows.name(), null,
                partitionKey, rowKey, valueProperty, null, Duration.ofSeconds(5), null);
    }

    private TableBackend backend() throws Exception {
        return backend(config(null, null, null));
    }

    private TableBackend backend(BackendConfig.Table config) throws Exception {
        return TableBackend.create(config, executor, http);
    }

    /** Waits for the outcome, bounded: a backend that hangs fails the test instead of the build. */
    static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    static Throwable failureOf(CompletableFuture<?> future) {
        Throwable thrown = catchThrowable(() -> await(future));
        assertThat(thrown).isNotInstanceOf(TimeoutException.class);
        return thrown;
    }

    @Test
    void foundRowServesItsValueProperty() throws Exception {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("Value", "office-psk");
        row.put("Ssid", "Contoso-Office");
        row.put("Vlan", 42);
        row.put("Hidden", false);
        row.put("Rotated", OffsetDateTime.of(2026, 11, 30, 8, 0, 0, 0, ZoneOffset.UTC));
        rows.put("secret", "wifi-office", row);

        SecretValue secret = await(backend().fetch(SecretRef.latest("wifi-office")));

        assertThat(secret.name()).isEqualTo("wifi-office");
        assertThat(secret.value()).isEqualTo("office-psk");
        assertThat(secret.backend()).isEqualTo("devices");
        assertThat(secret.backendType()).isEqualTo("table");
        assertThat(secret.version()).matches("[0-9A-Za-z.]+").isNotBlank();
        // the whole row as the origin returned it: every property but PartitionKey, RowKey, Timestamp, odata.*
        assertThat(secret.fields()).containsOnly(
                Map.entry("Value", "office-psk"),
                Map.entry("Ssid", "Contoso-Office"),
                Map.entry("Vlan", 42),
                Map.entry("Hidden", false),
                Map.entry("Rotated", "2026-11-30T08:00:00Z"));
        assertThat(http.requests()).singleElement().asString()
                .startsWith("GET " + azurite.accountUrl() + "/" + rows.name() + "(PartitionKey='secret',RowKey='wifi-office')");
    }

    @Test
    void missingRowIsNotFound() throws Exception {
        rows.secret("present", "v");

        Throwable failure = failureOf(backend().fetch(SecretRef.latest("absent")));

        assertThat(failure).isInstanceOf(SecretNotFoundException.class)
                .hasMessage("secret 'absent' not found in backend 'devices'");
    }

    @Test
    void rowInAnotherPartitionIsNotFound() throws Exception {
        rows.put("other", "wifi-office", Map.of("Value", "wrong-partition"));

        assertThat(failureOf(backend().fetch(SecretRef.latest("wifi-office")))).isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void missingTableIsUnavailableNotNotFound() throws Exception {
        BackendConfig.Table config = new BackendConfig.Table("devices", null, new Secret(azurite.connectionString()),
                "NoSuchTable", null, null, null, null, null, Duration.ofSeconds(5), null);

        Throwable failure = failureOf(TableBackend.create(config, executor, http).fetch(SecretRef.latest("a")));

        assertThat(failure).isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("the table 'NoSuchTable' does not exist");
    }

    @Test
    void partitionKeyRowKeyTemplateAndValuePropertyAreConfigurable() throws Exception {
        rows.put("gateway", "prod-db-password", Map.of("Secret", "prod-value", "Value", "not-this-one"));
        rows.put("gateway", "db-password", Map.of("Secret", "unprefixed"));
        rows.put("secret", "db-password", Map.of("Value", "origin-layout"));

        TableBackend backend = backend(config("gateway", "prod-{name}", "Secret"));

        assertThat(await(backend.fetch(SecretRef.latest("db-password"))).value()).isEqualTo("prod-value");
        assertThat(failureOf(backend.fetch(SecretRef.latest("prod-db-password"))))
                .isInstanceOf(SecretNotFoundException.class); // would be prod-prod-db-password
    }

    @Test
    void rowKeyTemplateWithASuffixAndAQuote() throws Exception {
        // the SDK doubles the quote inside the URL's string literal: the key is read as written
        rows.put("secret", "it's-db-v1", Map.of("Value", "quoted"));

        TableBackend backend = backend(config(null, "it's-{name}-v1", null));

        assertThat(await(backend.fetch(SecretRef.latest("db"))).value()).isEqualTo("quoted");
    }

    @Test
    void rowWithoutTheValuePropertyIsADocumentedError() throws Exception {
        rows.put("secret", "incomplete", Map.of("Password", "hunter2-in-another-property"));

        Throwable failure = failureOf(backend().fetch(SecretRef.latest("incomplete")));

        assertThat(failure).isExactlyInstanceOf(SecretBackendException.class)
                .hasMessage("backend 'devices': the row of secret 'incomplete' has no property 'Value'"
                        + " (secrets.backends[].valueProperty)");
    }

    @Test
    void valuePropertyThatIsNotAStringIsAnError() throws Exception {
        rows.put("secret", "pin", Map.of("Value", 1234));

        Throwable failure = failureOf(backend().fetch(SecretRef.latest("pin")));

        assertThat(failure).isExactlyInstanceOf(SecretBackendException.class)
                .hasMessage("backend 'devices': property 'Value' of secret 'pin' is a Integer, not a string")
                .hasMessageNotContaining("1234");
    }

    @Test
    void versionIsTheRowsETagAndChangesWithTheRow() throws Exception {
        rows.secret("rotating", "v1");
        TableBackend backend = backend();

        SecretValue first = await(backend.fetch(SecretRef.latest("rotating")));
        SecretValue again = await(backend.fetch(SecretRef.latest("rotating")));
        rows.secret("rotating", "v2");
        SecretValue rotated = await(backend.fetch(SecretRef.latest("rotating")));

        assertThat(again.version()).isEqualTo(first.version());
        assertThat(rotated.value()).isEqualTo("v2");
        assertThat(rotated.version()).isNotEqualTo(first.version());
        // a row keeps only its current version
        assertThat(await(backend.fetch(new SecretRef("rotating", rotated.version()))).value()).isEqualTo("v2");
        assertThat(failureOf(backend.fetch(new SecretRef("rotating", first.version()))))
                .isInstanceOf(SecretNotFoundException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "other' or RowKey eq 'other",
        "x',RowKey='other",
        "../other",
        "other/..",
        "other/",
        "%6Fther",
        "other%27",
        "other'",
        "other#",
        "other?x=1",
        "oth\\er",
        "other\u0000",
        "other\n",
        ".other",
        "",
        "other(PartitionKey='secret')",
    })
    void hostileNamesAreRefusedBeforeAnyRequest(String name) throws Exception {
        rows.secret("other", "other-secret");
        rows.secret("x", "x-secret");
        TableBackend backend = backend();
        int before = http.requests().size();

        Throwable failure = failureOf(backend.fetch(SecretRef.latest(name)));

        assertThat(failure).isInstanceOf(InvalidSecretNameException.class);
        assertThat(http.requests()).hasSize(before);
    }

    @Test
    void validNamesSelectExactlyTheirRow() throws Exception {
        // names that differ from another row only by what a URL or OData would reinterpret
        rows.secret("a.b", "dot").secret("a_b", "underscore").secret("A.B", "upper").secret("a-b", "dash");
        TableBackend backend = backend();

        assertThat(await(backend.fetch(SecretRef.latest("a.b"))).value()).isEqualTo("dot");
        assertThat(await(backend.fetch(SecretRef.latest("a_b"))).value()).isEqualTo("underscore");
        assertThat(await(backend.fetch(SecretRef.latest("A.B"))).value()).isEqualTo("upper");
        assertThat(await(backend.fetch(SecretRef.latest("a-b"))).value()).isEqualTo("dash");
        assertThat(failureOf(backend.fetch(SecretRef.latest("a")))).isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void noRequestIsMadeOnTheCallersThread() throws Exception {
        rows.secret("threaded", "v");
        java.util.concurrent.LinkedBlockingQueue<Runnable> tasks = new java.util.concurrent.LinkedBlockingQueue<>();
        TableBackend backend = TableBackend.create(config(null, null, null), tasks::add, http);

        CompletableFuture<SecretValue> fetch = backend.fetch(SecretRef.latest("threaded"));

        // nothing happened on this thread: the call waits for the backend's executor
        assertThat(fetch).isNotDone();
        assertThat(http.requests()).isEmpty();
        Runnable task = tasks.poll(5, TimeUnit.SECONDS);
        assertThat(task).isNotNull();
        executor.execute(task);
        assertThat(await(fetch).value()).isEqualTo("v");
        assertThat(http.requests()).hasSize(1);
    }

    @Test
    void closedBackendRefusesNewCallsButNotItsExecutor() throws Exception {
        rows.secret("after-close", "v");
        TableBackend backend = backend();
        backend.close();

        assertThat(failureOf(backend.fetch(SecretRef.latest("after-close")))).isInstanceOf(SecretUnavailableException.class);
        assertThat(executor.isShutdown()).isFalse();
    }
}
