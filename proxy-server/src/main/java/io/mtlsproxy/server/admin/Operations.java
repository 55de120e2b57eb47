package io.mtlsproxy.server.admin;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.core.config.AdminConfig;
import io.mtlsproxy.core.config.ConfigException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gateway's operations side, owned by the gateway: the metrics (built before the device
 * pipeline, which feeds them), the reload hook, and the admin listener (started once the device
 * listener is bound, closed last on stop).
 */
public final class Operations implements AutoCloseable {
    private final AdminConfig config;
    private final GatewayMetrics metrics;
    private final AtomicReference<ReloadHook> reload = new AtomicReference<>(ReloadHook.NOT_SUPPORTED);
    private volatile AdminServer admin;

    private Operations(AdminConfig config, GatewayMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    public static Operations create(AdminConfig config, Clock clock) {
        return new Operations(config, new GatewayMetrics(clock, Ticker.systemTicker(), config.certificateTracking()));
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    /** Starts the admin listener, unless {@code admin.enabled} is false. */
    public void start(Readiness readiness) throws ConfigException, InterruptedException {
        if (config.enabled()) {
            admin = AdminServer.start(config, metrics, readiness, reload);
        }
    }

    /** What {@code POST /reload} runs from now on. */
    public void reloadHook(ReloadHook hook) {
        reload.set(Objects.requireNonNull(hook, "hook"));
    }

    /** Where the admin listener is bound, when it runs. */
    public Optional<InetSocketAddress> adminAddress() {
        AdminServer server = admin;
        return server == null ? Optional.empty() : Optional.of(server.address());
    }

    @Override
    public void close() {
        AdminServer server = admin;
        if (server != null) {
            server.close();
        }
        metrics.close();
    }
}
