package io.mtlsproxy.perf.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ObservedProcessTest {
    @Test
    void aProcessWithoutAJvmIsNeverSentJcmdsSigquit() throws Exception {
        // jcmd attaches by SIGQUIT, which ends nginx's master gracefully, and `sleep` at once
        Process notAJvm = new ProcessBuilder("sleep", "30").start();
        try {
            ObservedProcess observed = new ObservedProcess(List.of(notAJvm.pid()));

            assertThat(observed.isJvm()).isFalse();
            assertThat(observed.heapUsedKib(true)).isEmpty();
            assertThat(notAJvm.waitFor(200, TimeUnit.MILLISECONDS)).as("still running").isFalse();
        } finally {
            notAJvm.destroyForcibly();
        }
    }

    @Test
    void cpuAndMemoryAreSummedOverTheServersProcesses() throws Exception {
        Process other = new ProcessBuilder("sleep", "30").start();
        try {
            ObservedProcess self = ObservedProcess.self().orElseThrow();
            ObservedProcess both = new ObservedProcess(List.of(ProcessHandle.current().pid(), other.pid()));
            ObservedProcess sleeper = new ObservedProcess(List.of(other.pid()));

            assertThat(self.isJvm()).isTrue();
            assertThat(both.pid()).isEqualTo(ProcessHandle.current().pid());
            long selfRss = self.rssKib();
            long sleeperRss = sleeper.rssKib();
            // the test JVM's RSS moves a little between readings: compare within a margin
            assertThat(both.rssKib()).isBetween(selfRss + sleeperRss - 4096, selfRss + sleeperRss + 4096);
            assertThat(both.cpuSeconds()).isGreaterThanOrEqualTo(sleeper.cpuSeconds());
        } finally {
            other.destroyForcibly();
        }
    }
}
