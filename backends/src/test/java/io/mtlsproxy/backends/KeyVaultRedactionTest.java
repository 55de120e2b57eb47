package io.mtlsproxy.backends;

import static io.mtlsproxy.backends.KeyVaultBackendTest.API_VERSION;
import static io.mtlsproxy.backends.KeyVaultBackendTest.await;
import static io.mtlsproxy.backends.KeyVaultBackendTest.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.mtlsproxy.core.config.EntraConfig.CredentialConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * No Key Vault secret value reaches a log line (at any level, the SDK's own included), an
 * exception's message or cause chain, or a toString, whatever the vault answers.
 */
class KeyVaultRedactionTest {
    private static final String VALUE = "kv-hunter2-do-not-log";
    private static final CredentialConfig MANAGED_IDENTITY = new CredentialConfig("managedIdentity", null, null, null, null, null);

    private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
        Thread thread = new Thread(r, "test-secret-io");
        thread.setDaemon(true);
        return thread;
    });
    private final KeyVaultFixture vault = new KeyVaultFixture(API_VERSION);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private Level rootLevel;

    @BeforeEach
    void captureEverything() {
        rootLevel = root.getLevel();
        root.setLevel(Level.TRACE);
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void close() {
        root.detachAppender(logs);
        root.setLevel(rootLevel);
        vault.close();
        executor.shutdownNow();
    }

    private static String printed(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    private List<String> logged() {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event : logs.list) {
            lines.add(event.getFormattedMessage());
            if (event.getThrowableProxy() != null) {
                lines.add(ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
        }
        return lines;
    }

    @Test
    void noValueInLogsExceptionsOrToStringWhateverTheVaultAnswers() throws Exception {
        Instant now = Instant.now();
        vault.put("served", VALUE);
        vault.put("expired", VALUE, true, now.minusSeconds(60), null);
        vault.put("future", VALUE, true, null, now.plusSeconds(3600));
        vault.put("disabled", VALUE, false, null, null);
        vault.put("throttled", VALUE);
        vault.throttle("throttled", 10, "30");
        // a broken answer that carries the value: a parser error quoting it must not travel on
        vault.reply("broken", 10, 200, Map.of(), "{\"value\":\"" + VALUE + "\",\"id\":\"https://x/secrets/broken/\" [");
        vault.reply("not-a-version", 10, 200, Map.of(), "{\"value\":\"" + VALUE + "\",\"id\":\"https://x/secrets/v/" + VALUE
                + "\",\"attributes\":{\"enabled\":true}}");
        KeyVaultBackend backend = KeyVaultBackendTest.backend(vault, API_VERSION, Duration.ofSeconds(5), Clock.systemUTC(),
                MANAGED_IDENTITY, executor);

        SecretValue served = await(backend.fetch(SecretRef.latest("served")));
        assertThat(served.value()).isEqualTo(VALUE);
        List<Throwable> failures = new ArrayList<>();
        for (String name : List.of("expired", "future", "disabled", "throttled", "broken", "not-a-version", "missing")) {
            failures.add(awaitFailure(backend.fetch(SecretRef.latest(name))));
        }

        assertThat(failures).extracting(Throwable::getClass).containsExactly(SecretExpiredException.class,
                SecretNotYetValidException.class, SecretDisabledException.class, SecretUnavailableException.class,
                SecretUnavailableException.class, SecretBackendException.class, SecretNotFoundException.class);
        assertThat(failures).allSatisfy(failure -> assertThat(printed(failure)).doesNotContain(VALUE));
        assertThat(served.toString()).doesNotContain(VALUE);
        assertThat(backend.toString()).doesNotContain(VALUE);
        assertThat(logs.list).as("the SDK logged at verbose levels, so the check saw something").isNotEmpty();
        assertThat(logged()).allSatisfy(line -> assertThat(line).doesNotContain(VALUE));
    }
}
