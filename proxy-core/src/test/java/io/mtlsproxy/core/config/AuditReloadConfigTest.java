package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit and reload sections: defaults, relative paths, and refusals that name the setting. */
class AuditReloadConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fixture;

    @BeforeEach
    void fixture() {
        fixture = new ConfigFixture(dir);
    }

    @Test
    void defaultsAreTheLoggerAndAllTriggersOn() throws Exception {
        GatewayConfig config = fixture.loadWith("");

        assertThat(config.audit().file()).isNull();
        assertThat(config.audit().logLines()).isTrue();
        assertThat(config.audit().hashChain()).isTrue();
        assertThat(config.audit().fsync()).isFalse();
        assertThat(config.reload()).isEqualTo(new ReloadConfig(true, Duration.ofSeconds(1), true, Duration.ofMinutes(10)));
    }

    @Test
    void aRelativeAuditFileIsReadRelativeToTheConfigAndReplacesTheLogLine() throws Exception {
        GatewayConfig config = fixture.loadWith("audit:\n  file: logs/audit.jsonl\n");

        assertThat(config.audit().file()).isEqualTo(dir.resolve("logs/audit.jsonl").toAbsolutePath().normalize());
        assertThat(config.audit().logLines()).as("the file replaces the log line unless alsoLog").isFalse();
        assertThat(fixture.loadWith("audit:\n  file: a.jsonl\n  alsoLog: true\n").audit().logLines()).isTrue();
    }

    @Test
    void refusalsNameTheSetting() throws Exception {
        Files.createDirectories(dir.resolve("logs"));

        assertThat(fixture.problems(ConfigFixture.MINIMAL + "audit:\n  file: logs\n"))
                .singleElement().asString().startsWith("audit.file: ").contains("is a directory");
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "reload:\n  debounce: 0s\n  drainGrace: PT-1S\n"))
                .anySatisfy(p -> assertThat(p).startsWith("reload.debounce: "))
                .anySatisfy(p -> assertThat(p).startsWith("reload.drainGrace: must not be negative"));
        assertThat(fixture.problems(ConfigFixture.MINIMAL + "reload:\n  watch: true\n"))
                .singleElement().asString().startsWith("reload.watch: unknown setting");
    }
}
