package io.mtlsproxy.perf.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ProcFilesTest {
    @Test
    void cpuTicksAreUserPlusSystemCountedAfterTheCommandName() {
        // a command name with a space and a parenthesis, as a thread may rename itself
        String stat = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 123 0 0 0 1500 250 7 3 20 0 42 0 9999 "
                + "5000000000 50000 18446744073709551615 1 1 0 0 0 0 0 4096 16384 0 0 0 17 1 0 0 0 0 0";
        assertThat(ProcFiles.cpuTicks(stat)).isEqualTo(1750);
    }

    @Test
    void residentSetSizeIsReadInKib() {
        String status = """
                Name:\tjava
                VmPeak:\t 5000000 kB
                VmRSS:\t  228012 kB
                RssAnon:\t  200000 kB
                Threads:\t42
                """;
        assertThat(ProcFiles.vmRssKib(status)).isEqualTo(228012);
        assertThatThrownBy(() -> ProcFiles.vmRssKib("Name:\tkthreadd\n")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void openFileLimitIsTheSoftOne() {
        String limits = """
                Limit                     Soft Limit           Hard Limit           Units
                Max processes             63431                63431                processes
                Max open files            1024                 524288               files
                """;
        assertThat(ProcFiles.maxOpenFiles(limits)).hasValue(1024);
        assertThat(ProcFiles.maxOpenFiles(limits.replace("1024     ", "unlimited"))).isEqualTo(OptionalLong.empty());
    }

    @Test
    void usedHeapIsTheWholeHeapsFromHeapInfo() {
        String g1 = """
                4242:
                 garbage-first heap   total 262144K, used 19617K [0x00000000f0000000, 0x0000000100000000)
                  region size 1024K, 3 young (3072K), 0 survivors (0K)
                 Metaspace       used 30000K, committed 30500K, reserved 1081344K
                """;
        assertThat(ProcFiles.heapUsedKib(g1)).isEqualTo(19617);
    }
}
