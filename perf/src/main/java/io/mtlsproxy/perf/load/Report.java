package io.mtlsproxy.perf.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The two renderings of a {@link LoadResult}: a table for people and JSON for scripts
 * (compare.sh). The JSON keys are documented in perf/README.md; renaming one breaks its readers.
 */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Report() {}

    /** The result as ordered maps and numbers, the shape of the JSON output. */
    static Map<String, Object> tree(LoadResult result) {
        LoadOptions options = result.options();
        LoadStats.Counts counts = result.counts();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("mode", options.mode().name().toLowerCase(Locale.ROOT));
        root.put("model", options.rate() == null ? "closed-loop" : "fixed-rate");
        root.put("rate", options.rate());
        root.put("concurrency", options.concurrency());
        root.put("threads", options.threads());
        root.put("transport", result.transport());
        root.put("groups", options.groups()); // empty: BoringSSL's defaults
        root.put("warmupSeconds", options.mode().holdsConnections() ? 0.0 : options.warmup().toMillis() / 1000.0);
        root.put("durationSeconds", round(counts.windowNanos() / 1e9));
        root.put("requests", counts.responses());
        root.put("requestsPerSecond", round(counts.perSecond(counts.responses())));
        root.put("handshakes", counts.handshakes());
        root.put("handshakesPerSecond", round(counts.perSecond(counts.handshakes())));
        root.put("resumed", counts.resumed());
        root.put("notResumed", counts.notResumed());
        LoadStats.Latency latency = counts.latency();
        Map<String, Object> latencyMicros = new LinkedHashMap<>();
        latencyMicros.put("count", latency.count());
        latencyMicros.put("mean", round(latency.mean()));
        latencyMicros.put("p50", latency.p50());
        latencyMicros.put("p90", latency.p90());
        latencyMicros.put("p99", latency.p99());
        latencyMicros.put("p999", latency.p999());
        latencyMicros.put("max", latency.max());
        root.put("latencyMicros", latencyMicros);
        Map<String, Object> errors = new LinkedHashMap<>();
        errors.put("total", counts.errorTotal());
        for (ErrorKind kind : ErrorKind.values()) {
            errors.put(kind.key(), counts.error(kind));
        }
        root.put("errors", errors);
        if (options.mode().holdsConnections()) {
            Map<String, Object> connections = new LinkedHashMap<>();
            connections.put("opened", result.connectionsOpened());
            connections.put("openAtEnd", result.connectionsAtEnd());
            root.put("connections", connections);
        }
        root.put("clientCpuSeconds", result.clientCpuSeconds() < 0 ? null : round(result.clientCpuSeconds()));
        root.put("server", server(result));
        root.put("warnings", result.warnings());
        return root;
    }

    private static Map<String, Object> server(LoadResult result) {
        LoadResult.ServerFigures server = result.server();
        if (server == null) {
            return null;
        }
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("pid", server.pid());
        tree.put("cpuSeconds", round(server.cpuSeconds()));
        boolean holds = result.options().mode().holdsConnections();
        // idle: the CPU it costs to hold connections; requests per core-second would mean nothing
        tree.put("requestsPerCoreSecond", holds ? null : round(server.perCoreSecond(result.counts().responses())));
        if (holds) {
            tree.put("rssBeforeKiB", server.rssBeforeKib());
            tree.put("rssAfterKiB", server.rssAfterKib());
            tree.put("rssPerConnectionBytes",
                    LoadResult.ServerFigures.perConnection(server.rssBeforeKib(), server.rssAfterKib(), result.connectionsOpened()));
            tree.put("heapBeforeKiB", server.heapBeforeKib());
            tree.put("heapAfterKiB", server.heapAfterKib());
            tree.put("heapPerConnectionBytes",
                    LoadResult.ServerFigures.perConnection(server.heapBeforeKib(), server.heapAfterKib(), result.connectionsOpened()));
        }
        return tree;
    }

    static String json(LoadResult result) {
        try {
            return JSON.writeValueAsString(tree(result));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a report of numbers and strings always serializes", e);
        }
    }

    static String table(LoadResult result) {
        LoadOptions options = result.options();
        LoadStats.Counts counts = result.counts();
        LoadStats.Latency latency = counts.latency();
        StringBuilder out = new StringBuilder();
        row(out, "mode", options.mode().name().toLowerCase(Locale.ROOT) + ", "
                + (options.rate() == null ? "closed loop" : "fixed rate " + fmt(options.rate()) + " req/s (latency from intended start)")
                + ", " + options.concurrency() + " connections, " + options.threads() + " " + result.transport() + " thread(s)");
        row(out, "measured", fmt(counts.windowNanos() / 1e9) + " s"
                + (options.mode().holdsConnections() ? " (connections held)" : " after " + fmt(options.warmup().toMillis() / 1000.0) + " s warm-up"));
        row(out, "requests", counts.responses() + "  (" + fmt(counts.perSecond(counts.responses())) + "/s)");
        row(out, "handshakes", counts.handshakes() + "  (" + fmt(counts.perSecond(counts.handshakes())) + "/s)  resumed "
                + counts.resumed() + ", not resumed " + counts.notResumed());
        row(out, "latency ms", "p50 " + ms(latency.p50()) + "  p90 " + ms(latency.p90()) + "  p99 " + ms(latency.p99())
                + "  p99.9 " + ms(latency.p999()) + "  max " + ms(latency.max()) + "  (" + latency.count() + " samples)");
        StringBuilder errors = new StringBuilder().append(counts.errorTotal());
        for (ErrorKind kind : ErrorKind.values()) {
            long n = counts.error(kind);
            if (n > 0) {
                errors.append("  ").append(kind.key()).append(' ').append(n);
            }
        }
        row(out, "errors", errors.toString());
        if (options.mode().holdsConnections()) {
            row(out, "connections", result.connectionsOpened() + " opened and live, " + result.connectionsAtEnd() + " still open at the end");
        }
        if (result.clientCpuSeconds() >= 0) {
            row(out, "client cpu", fmt(result.clientCpuSeconds()) + " s (this harness)");
        }
        LoadResult.ServerFigures server = result.server();
        if (server != null) {
            row(out, "server cpu", fmt(server.cpuSeconds()) + " s (pid " + server.pid() + "), " + (options.mode().holdsConnections()
                    ? "while holding the connections"
                    : fmt(server.perCoreSecond(counts.responses())) + " requests per server core-second"));
            if (options.mode().holdsConnections()) {
                Long rss = LoadResult.ServerFigures.perConnection(server.rssBeforeKib(), server.rssAfterKib(), result.connectionsOpened());
                Long heap = LoadResult.ServerFigures.perConnection(server.heapBeforeKib(), server.heapAfterKib(), result.connectionsOpened());
                row(out, "server rss", server.rssBeforeKib() + " -> " + server.rssAfterKib() + " KiB, "
                        + (rss == null ? "n/a" : rss + " bytes") + " per connection");
                row(out, "server heap", server.heapBeforeKib() == null ? "n/a (jcmd)" : server.heapBeforeKib() + " -> "
                        + server.heapAfterKib() + " KiB used, " + (heap == null ? "n/a" : heap + " bytes") + " per connection"
                        + (options.serverGc() ? " (after a full GC)" : " (without --server-gc: includes garbage)"));
            }
        }
        for (String warning : result.warnings()) {
            row(out, "WARNING", warning);
        }
        return out.toString();
    }

    private static void row(StringBuilder out, String label, String value) {
        out.append(String.format(Locale.ROOT, "%-12s %s%n", label, value));
    }

    private static String ms(long micros) {
        return String.format(Locale.ROOT, "%.3f", micros / 1000.0);
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    private static double round(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }
}
