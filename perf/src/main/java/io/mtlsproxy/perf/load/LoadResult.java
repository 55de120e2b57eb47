package io.mtlsproxy.perf.load;

import java.util.List;

/**
 * Everything one run measured; the human table and the JSON are two renderings of it.
 *
 * @param transport the client's Netty transport, {@code epoll} or {@code nio}
 * @param counts what happened inside the measured window
 * @param clientCpuSeconds CPU seconds the harness itself used in the window (idle: the hold); -1 without /proc
 * @param server the server's figures, or {@code null} without {@code --server-pid}
 * @param connectionsOpened idle: connections that became live; other modes: 0
 * @param connectionsAtEnd idle: of those, still open when the hold ended; other modes: 0
 * @param warnings things the reader should know (a server fd limit too low, jcmd unavailable)
 */
record LoadResult(LoadOptions options, String transport, LoadStats.Counts counts, double clientCpuSeconds,
        ServerFigures server,
        long connectionsOpened, long connectionsAtEnd, List<String> warnings) {

    LoadResult {
        warnings = List.copyOf(warnings);
    }

    long errors() {
        return counts.errorTotal();
    }

    /**
     * The server's side of the run.
     *
     * @param cpuSeconds user + system CPU seconds the server used during the window (idle: the hold)
     * @param rssBeforeKib,rssAfterKib idle: VmRSS before opening the connections and once all were live; else null
     * @param heapBeforeKib,heapAfterKib idle: used heap at the same moments (jcmd), or null
     */
    record ServerFigures(long pid, double cpuSeconds, Long rssBeforeKib, Long rssAfterKib, Long heapBeforeKib,
            Long heapAfterKib) {

        /** Operations (complete 200 responses) per second of server CPU; 0 when it used none measurable. */
        double perCoreSecond(long operations) {
            return cpuSeconds > 0 ? operations / cpuSeconds : 0;
        }

        /** Bytes of growth per connection between two readings in KiB, or null without both or connections. */
        static Long perConnection(Long beforeKib, Long afterKib, long connections) {
            if (beforeKib == null || afterKib == null || connections == 0) {
                return null;
            }
            return (afterKib - beforeKib) * 1024 / connections;
        }
    }
}
