package io.mtlsproxy.backends.table;

import static io.mtlsproxy.backends.table.TableBackendTest.await;
import static io.mtlsproxy.backends.table.TableBackendTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.mtlsproxy.backends.SecretBackends;
import io.mtlsproxy.backends.SecretRef;
import io.mtlsproxy.backends.SecretValue;
import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.CacheConfig;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.Secret;
import io.mtlsproxy.core.config.SecretsConfig;
import com.github.benmanes.caffeine.cache.Ticker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * No secret content (the value, other row properties, the account key) reaches a log line at any
 * level, an exception or a toString, on the paths that handle it; and the backend is wired into
 * {@link SecretBackends} from config.
 */
@ExtendWith(AzuriteExtension.class)
class TableRedactionTest {
    private static final String VALUE = "hunter2-table-value";
    private static final String OTHER_PROPERTY = "hunter2-table-other-property";

    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private Logger root;
    private Level rootLevel;
    private Azurite azurite;
    private Rows rows;

    @BeforeEach
    void captureEveryLogLine(Azurite azurite) {
        this.azurite = azurite;
        this.rows = Rows.newTable(azurite);
        root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        rootLevel = root.getLevel();
        root.setLevel(Level.TRACE);
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void restore() {
        root.detachAppender(logs);
        root.setLevel(rootLevel);
        executor.shutdownNow();
    }

    private BackendConfig.Table config(String table) {
        return new BackendConfig.Table("devices", null, new Secret(azurite.connectionString()), table, null, null, null,
                null, null, Duration.ofSeconds(5), null);
    }

    private static String printed(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    private String everyLogLine() {
        StringBuilder all = new StringBuilder();
        for (ILoggingEvent event : logs.list) {
            all.append(event.getFormattedMessage()).append('\n');
            if (event.getThrowableProxy() != null) {
                all.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append('\n');
            }
        }
        return all.toString();
    }

    @Test
    void valueStaysOutOfLogsAndToString() throws Exception {
        rows.put("secret", "wifi-office", Map.of("Value", VALUE, "Note", OTHER_PROPERTY));

        SecretValue secret = await(TableBackend.create(config(rows.name()), executor).fetch(SecretRef.latest("wifi-office")));

        assertThat(secret.value()).isEqualTo(VALUE);
        assertThat(secret.toString()).doesNotContain(VALUE).doesNotContain(OTHER_PROPERTY);
        assertThat(logs.list).isNotEmpty(); // the SDK logs at debug: it must not log the response
        assertThat(everyLogLine()).doesNotContain(VALUE).doesNotContain(OTHER_PROPERTY).doesNotContain(Azurite.KEY);
    }

    @Test
    void failuresCarryNoRowContent() throws Exception {
        rows.put("secret", "incomplete", Map.of("Password", VALUE));
        rows.put("secret", "numeric", Map.of("Value", 987654321L, "Note", OTHER_PROPERTY));
        TableBackend backend = TableBackend.create(config(rows.name()), executor);

        List<Throwable> failures = List.of(
                failureOf(backend.fetch(SecretRef.latest("incomplete"))),
                failureOf(backend.fetch(SecretRef.latest("numeric"))),
                failureOf(backend.fetch(SecretRef.latest("absent"))),
                failureOf(TableBackend.create(config("NoSuchTable"), executor).fetch(SecretRef.latest("absent"))));

        for (Throwable failure : failures) {
            assertThat(printed(failure)).doesNotContain(VALUE).doesNotContain(OTHER_PROPERTY)
                    .doesNotContain("987654321").doesNotContain(Azurite.KEY);
        }
        assertThat(everyLogLine()).doesNotContain(VALUE).doesNotContain(OTHER_PROPERTY).doesNotContain("987654321");
    }

    @Test
    void refusedConnectionStringIsNotRepeated() {
        BackendConfig.Table broken = new BackendConfig.Table("devices", null,
                new Secret("AccountName=x;AccountKey=" + VALUE + ";TableEndpoint=::not a url::"), "Secrets", null, null,
                null, null, null, null, null);

        ConfigException refusal = catchThrowableOfType(ConfigException.class, () -> TableBackend.create(broken, executor));

        assertThat(refusal).isNotNull();
        assertThat(refusal.problems()).singleElement().asString()
                .startsWith("secrets.backends 'devices'.connectionString: refused by the Table SDK");
        assertThat(printed(refusal)).doesNotContain(VALUE);
    }

    @Test
    void secretBackendsBuildsTheTableBackendFromConfig() throws Exception {
        rows.secret("wifi-office", VALUE);
        SecretsConfig config = new SecretsConfig(CacheConfig.defaults(), List.of(config(rows.name())), null);

        try (SecretBackends backends = SecretBackends.fromConfig(config, Map.of(), executor, Ticker.systemTicker())) {
            SecretValue secret = await(backends.resolve("wifi-office"));

            assertThat(secret.value()).isEqualTo(VALUE);
            assertThat(secret.backend()).isEqualTo("devices");
            assertThat(secret.backendType()).isEqualTo("table");
        }
    }
}
