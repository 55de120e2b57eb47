package io.mtlsproxy.perf.load;

import io.mtlsproxy.core.config.DurationText;
import io.netty.util.ResourceLeakDetector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The load harness: mTLS HTTP/1.1 load from a cheap Netty client on BoringSSL against a server on
 * this machine, in one of five connection patterns, closed loop or at a fixed rate. See
 * perf/README.md for every option and the output keys.
 *
 * <pre>java -cp perf/target/benchmarks.jar io.mtlsproxy.perf.load.LoadHarness --mode keepalive --port 8443 \
 *   --cert client.pem --key client.key --ca ca.pem --path /v1/secrets/demo-secret --concurrency 16 --duration 10s</pre>
 */
@Command(name = "load", mixinStandardHelpOptions = true, sortOptions = false,
        description = "mTLS load against a server on this machine (loopback only, at most 10 minutes). "
                + "Exit code 0: no errors; 1: errors (unless --allow-errors); 2: bad options or environment.")
public final class LoadHarness implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--mode", required = true, description = "handshake, resume, keepalive, idle or churn")
    Mode mode;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "loopback host (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", required = true)
    int port;

    @Option(names = "--cert", required = true, paramLabel = "PEM", description = "client certificate chain (PEM)")
    Path cert;

    @Option(names = "--key", required = true, paramLabel = "PEM", description = "client private key (PEM)")
    Path key;

    @Option(names = "--ca", required = true, paramLabel = "PEM", description = "trust anchors for the server certificate")
    Path ca;

    @Option(names = "--path", required = true, description = "request path, e.g. /v1/secrets/demo-secret")
    String path;

    @Option(names = "--expect-body", paramLabel = "TEXT", description = "every 200 must contain this text")
    String expectBody;

    @Option(names = "--concurrency", defaultValue = "1", description = "concurrent connections (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--duration", required = true, converter = DurationConverter.class,
            description = "measured time, e.g. 10s (at most 10m)")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "3s", converter = DurationConverter.class,
            description = "load before measuring, left out of the figures (default: ${DEFAULT-VALUE}; idle: none)")
    Duration warmup;

    @Option(names = "--rate", paramLabel = "R",
            description = "fixed rate, requests per second in total; latency from each request's intended start")
    Double rate;

    @Option(names = "--threads", defaultValue = "1", description = "client event loops (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--requests-per-connection", defaultValue = "10", paramLabel = "N",
            description = "churn: requests on each connection before it closes (default: ${DEFAULT-VALUE})")
    int requestsPerConnection;

    @Option(names = "--timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "per connect, handshake and request (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--server-pid", paramLabel = "PID[,PID...]", split = ",",
            description = "the server's processes (e.g. nginx's master and workers): CPU time and RSS summed over them, "
                    + "heap of the first")
    java.util.List<Long> serverPids;

    @Option(names = "--groups", paramLabel = "GROUP[,GROUP...]", split = ",",
            description = "key-exchange groups to offer (e.g. X25519 to match a peer without post-quantum ones); "
                    + "default BoringSSL's, which start with X25519MLKEM768")
    java.util.List<String> groups;

    @Option(names = "--server-gc", description = "force a full GC in the server (jcmd) before each memory reading")
    boolean serverGc;

    @Option(names = "--json", description = "print the result as JSON (keys in perf/README.md) instead of a table")
    boolean json;

    @Option(names = "--allow-errors", description = "exit 0 even when some requests failed")
    boolean allowErrors;

    public static void main(String[] args) {
        // as the gateway does: Netty's default leak sampling records stack traces (~1% of a keep-alive
        // request's CPU) and the client must stay cheap; the tests run it paranoid, the property still wins
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new LoadHarness()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    /** The validated options of a command line, as the harness would run them. */
    static LoadOptions parse(String... args) {
        CommandLine line = commandLine();
        line.parseArgs(args);
        return ((LoadHarness) line.getCommand()).options();
    }

    LoadOptions options() {
        try {
            return new LoadOptions(mode, host, port, cert, key, ca, path, expectBody, concurrency, duration, warmup, rate,
                    threads, requestsPerConnection, timeout, serverPids == null ? java.util.List.of() : serverPids, serverGc, json, allowErrors,
                    groups == null ? java.util.List.of() : groups);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws Exception {
        LoadOptions options = options();
        PrintWriter err = spec.commandLine().getErr();
        Optional<String> fileLimit = ObservedProcess.fileLimitProblem(ObservedProcess.ownMaxOpenFiles(), options);
        if (fileLimit.isPresent()) {
            err.println("load: " + fileLimit.get());
            err.flush();
            return 2;
        }
        LoadResult result = LoadRun.execute(options);
        PrintWriter out = spec.commandLine().getOut();
        out.print(options.json() ? Report.json(result) + System.lineSeparator() : Report.table(result));
        out.flush();
        return result.errors() > 0 && !options.allowErrors() ? 1 : 0;
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return DurationText.parse(value);
        }
    }
}
