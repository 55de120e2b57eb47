package io.mtlsproxy.server.cli;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.server.ConfigSource;
import io.mtlsproxy.server.Gateway;
import io.mtlsproxy.server.HangupSignal;
import io.mtlsproxy.server.audit.AsyncAuditLog;
import io.mtlsproxy.server.logging.LogSetup;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/** Starting and stopping the gateway from the command line. */
final class Launch {
    static final int EXIT_CONFIG = 2;

    private Launch() {}

    static int configError(ConfigException e) {
        System.err.println("mtls-proxy: configuration error");
        for (String problem : e.problems()) {
            System.err.println("  - " + problem);
        }
        return EXIT_CONFIG;
    }

    /**
     * Starts the gateway, runs {@code started} once it listens, and blocks until the JVM is told
     * to stop (SIGTERM, Ctrl-C); the shutdown hook drains in-flight requests first.
     */
    static int runUntilStopped(GatewayConfig config, Consumer<Gateway> started) throws InterruptedException {
        return runUntilStopped(ConfigSource.fixed(config), config, started);
    }

    /** As above; a reload (SIGHUP, a watched file, the admin listener) loads the configuration from {@code source} again. */
    static int runUntilStopped(ConfigSource source, GatewayConfig config, Consumer<Gateway> started) throws InterruptedException {
        LogSetup.apply(config.logging());
        AsyncAuditLog audit;
        try {
            audit = AsyncAuditLog.open(config.audit(), 65_536);
        } catch (ConfigException e) {
            return configError(e);
        }
        Gateway gateway;
        try {
            gateway = Gateway.start(source, config, System.getenv(), audit);
        } catch (ConfigException e) {
            audit.close();
            return configError(e);
        }
        if (config.reload().sighup()) {
            HangupSignal.install(() -> gateway.reloadAsync("SIGHUP"));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.stop(config.listener().shutdownGrace());
            audit.close(); // after the last request: every audit line is written before exit
            stopped.countDown();
        }, "mtls-proxy-shutdown"));
        if (started != null) {
            started.accept(gateway);
        }
        stopped.await();
        return 0;
    }
}
