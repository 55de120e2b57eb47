package io.mtlsproxy.server;

import io.mtlsproxy.backends.SecretBackends;
import io.mtlsproxy.core.audit.AuditEvent;
import io.mtlsproxy.core.audit.AuditSink;
import io.mtlsproxy.core.config.ConfigLoader;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/** A real gateway on 127.0.0.1 and a free port, configured from YAML the way operators configure it. */
final class RunningGateway implements AutoCloseable {
    final TestPki pki;
    final Gateway gateway;
    private final List<AuditEvent> audit;

    private RunningGateway(TestPki pki, Gateway gateway, List<AuditEvent> audit) {
        this.pki = pki;
        this.gateway = gateway;
        this.audit = audit;
    }

    /**
     * @param sections YAML after the listener and tls sections (policy, access, secrets, ...);
     *     the tls section trusts the test root
     */
    static RunningGateway start(Path dir, TestPki pki, String sections) throws Exception {
        return start(dir, pki, sections, Map.of());
    }

    static RunningGateway start(Path dir, TestPki pki, String sections, Map<String, String> env) throws Exception {
        return start(dir, pki, "", sections, env);
    }

    /** @param listenerLines extra settings of the listener section, each line indented by two spaces */
    static RunningGateway start(Path dir, TestPki pki, String listenerLines, String sections, Map<String, String> env)
            throws Exception {
        return start(dir, pki, listenerLines, sections, env, CertificateChecks.EntraCheckFactory.FROM_CONFIG);
    }

    /** @param entraChecks makes the Entra device check, e.g. one that asks a test's Graph fixture */
    static RunningGateway start(Path dir, TestPki pki, String listenerLines, String sections, Map<String, String> env,
            CertificateChecks.EntraCheckFactory entraChecks) throws Exception {
        return start(dir, pki, listenerLines, sections, env, entraChecks, com.github.benmanes.caffeine.cache.Ticker.systemTicker());
    }

    /** @param limitsTicker the abuse controls' time (rate limits, lockout): a test's fake ticker */
    static RunningGateway start(Path dir, TestPki pki, String listenerLines, String sections, Map<String, String> env,
            CertificateChecks.EntraCheckFactory entraChecks, com.github.benmanes.caffeine.cache.Ticker limitsTicker)
            throws Exception {
        GatewayConfig loaded = load(dir, pki, listenerLines, sections, env);
        List<AuditEvent> audit = new ArrayList<>();
        // the config file is the reload source, as with `serve --config`
        Gateway gateway = Gateway.start(ConfigSource.file(new ConfigLoader(env), dir.resolve("config.yaml")), loaded, env,
                sink(audit), entraChecks, limitsTicker);
        return new RunningGateway(pki, gateway, audit);
    }

    /**
     * A gateway in front of backends the test built (controllable ones, on fake time); the YAML's
     * secrets section is not used for them. The gateway closes them when it stops.
     */
    static RunningGateway start(Path dir, TestPki pki, String sections, SecretBackends secrets) throws Exception {
        return start(dir, pki, "", sections, secrets);
    }

    /** @param listenerLines extra settings of the listener section, each line indented by two spaces */
    static RunningGateway start(Path dir, TestPki pki, String listenerLines, String sections, SecretBackends secrets)
            throws Exception {
        GatewayConfig loaded = load(dir, pki, listenerLines, sections, Map.of());
        List<AuditEvent> audit = new ArrayList<>();
        Gateway gateway = Gateway.start(loaded, secrets, Executors.newSingleThreadExecutor(), sink(audit));
        return new RunningGateway(pki, gateway, audit);
    }

    private static AuditSink sink(List<AuditEvent> audit) {
        return event -> {
            synchronized (audit) {
                audit.add(event);
            }
        };
    }

    private static GatewayConfig load(Path dir, TestPki pki, String listenerLines, String sections,
            Map<String, String> env) throws Exception {
        pki.writeServerFiles(dir);
        rewriteConfig(dir, listenerLines, sections);
        return new ConfigLoader(env).load(dir.resolve("config.yaml"));
    }

    /** Writes the config file as {@link #start} does, for a reload to read. */
    static void rewriteConfig(Path dir, String listenerLines, String sections) throws java.io.IOException {
        Files.writeString(dir.resolve("config.yaml"), """
                listener:
                  bind: 127.0.0.1
                  port: 0
                  shutdownGrace: 1s
                  %s
                tls:
                  certificate: server.pem
                  privateKey: server.key
                  trustAnchors: [ca.pem]
                """.formatted(listenerLines.strip()).replace("\n  \ntls:", "\ntls:") + sections
                // the admin listener on a free port too, unless the test configures it
                + (sections.startsWith("admin:") || sections.contains("\nadmin:") ? "" : "\nadmin:\n  port: 0\n"));
    }

    List<AuditEvent> auditEvents() {
        synchronized (audit) {
            return List.copyOf(audit);
        }
    }

    TlsClient connect(IssuedCertificate client) throws Exception {
        return TlsClient.connect(gateway.port(), pki.root.certificate(), client);
    }

    int port() {
        return gateway.port();
    }

    @Override
    public void close() {
        gateway.stop(Duration.ofSeconds(1));
    }
}
