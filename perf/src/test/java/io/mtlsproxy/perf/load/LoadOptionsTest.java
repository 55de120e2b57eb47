package io.mtlsproxy.perf.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LoadOptionsTest {
    private static final List<String> VALID = List.of("--mode", "keepalive", "--port", "8443", "--cert", "c.pem",
            "--key", "c.key", "--ca", "ca.pem", "--path", "/v1/secrets/demo-secret", "--duration", "10s");

    /** The valid line with these options added, or put in place of the same option's value. */
    private static String[] with(String... more) {
        List<String> args = new ArrayList<>(VALID);
        for (int i = 0; i < more.length; i++) {
            int existing = args.indexOf(more[i]);
            boolean flag = i + 1 == more.length || more[i + 1].startsWith("--");
            if (existing >= 0 && !flag) {
                args.set(existing + 1, more[++i]);
            } else {
                args.add(more[i]);
                if (!flag) {
                    args.add(more[++i]);
                }
            }
        }
        return args.toArray(String[]::new);
    }

    private static String[] without(String option) {
        List<String> args = new ArrayList<>(VALID);
        int i = args.indexOf(option);
        args.remove(i + 1);
        args.remove(i);
        return args.toArray(String[]::new);
    }

    @Test
    void defaultsAreLoopbackClosedLoopOneThread() {
        LoadOptions options = LoadHarness.parse(VALID.toArray(String[]::new));
        assertThat(options.host()).isEqualTo("127.0.0.1");
        assertThat(options.duration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.warmup()).isEqualTo(Duration.ofSeconds(3));
        assertThat(options.rate()).isNull();
        assertThat(options.threads()).isEqualTo(1);
        assertThat(options.requestsOnEachConnection()).isEqualTo(Integer.MAX_VALUE);
        assertThat(LoadHarness.parse(with("--mode", "CHURN", "--requests-per-connection", "5")).requestsOnEachConnection())
                .isEqualTo(5);
    }

    @Test
    void nonLoopbackHostIsRefused() {
        assertThatThrownBy(() -> LoadHarness.parse(with("--host", "192.0.2.10")))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("not a loopback address");
        assertThat(LoadHarness.parse(with("--host", "::1")).host()).isEqualTo("::1");
        assertThat(LoadHarness.parse(with("--host", "localhost")).host()).isEqualTo("localhost");
    }

    @Test
    void durationIsRequiredAndBounded() {
        assertThatThrownBy(() -> LoadHarness.parse(without("--duration")))
                .isInstanceOf(CommandLine.MissingParameterException.class).hasMessageContaining("--duration");
        assertThatThrownBy(() -> LoadHarness.parse(with("--duration", "11m")))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("at most").hasMessageContaining("10m");
        assertThatThrownBy(() -> LoadHarness.parse(with("--duration", "0s")))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--duration");
        assertThatThrownBy(() -> LoadHarness.parse(with("--warmup", "1h")))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--warmup");
    }

    @Test
    void contradictoryOrSenselessOptionsAreRefusedByName() {
        assertThatThrownBy(() -> LoadHarness.parse(with("--mode", "idle", "--rate", "100")))
                .hasMessageContaining("--rate");
        assertThatThrownBy(() -> LoadHarness.parse(with("--rate", "0"))).hasMessageContaining("--rate");
        assertThatThrownBy(() -> LoadHarness.parse(with("--concurrency", "0"))).hasMessageContaining("--concurrency");
        assertThatThrownBy(() -> LoadHarness.parse(with("--server-gc"))).hasMessageContaining("--server-pid");
        assertThatThrownBy(() -> LoadHarness.parse(with("--path", "no-slash"))).hasMessageContaining("--path");
        assertThatThrownBy(() -> LoadHarness.parse(with("--threads", "0"))).hasMessageContaining("--threads");
    }

    @Test
    void tooLowFileLimitIsReportedWithTheUlimitToSet() {
        LoadOptions thousand = LoadHarness.parse(with("--mode", "idle", "--concurrency", "1000"));
        assertThat(ObservedProcess.fileLimitProblem(java.util.OptionalLong.of(1024), thousand)).hasValueSatisfying(
                problem -> assertThat(problem).contains("(ulimit -n) is 1024", "1000 connections", "ulimit -n 1064"));
        assertThat(ObservedProcess.fileLimitProblem(java.util.OptionalLong.of(1064), thousand)).isEmpty();
        assertThat(ObservedProcess.fileLimitProblem(java.util.OptionalLong.empty(), thousand)).isEmpty();
    }

    @Test
    void refusedOptionsExitWithUsageCodeBeforeAnyConnection() {
        StringWriter err = new StringWriter();
        CommandLine line = LoadHarness.commandLine();
        line.setErr(new PrintWriter(err));
        assertThat(line.execute(with("--host", "192.0.2.10"))).isEqualTo(2);
        assertThat(err.toString()).contains("not a loopback address");
    }
}
