package io.mtlsproxy.server;

import com.github.benmanes.caffeine.cache.Ticker;
import io.mtlsproxy.backends.SecretBackends;
import io.mtlsproxy.core.audit.AuditSink;
import io.mtlsproxy.core.config.AccessRuleConfig;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.core.config.IngressConfig;
import io.mtlsproxy.core.config.ListenerConfig;
import io.mtlsproxy.core.config.PolicyConfig;
import io.mtlsproxy.core.config.SecretsConfig;
import io.mtlsproxy.core.pki.KeyMaterial;
import io.mtlsproxy.policy.AccessRules;
import io.mtlsproxy.policy.ClientAuthenticator;
import io.mtlsproxy.policy.TrustMaterial;
import io.mtlsproxy.server.http.HttpSettings;
import io.mtlsproxy.server.http.SecretReader;
import io.mtlsproxy.server.ingress.ForwardedIdentities;
import io.mtlsproxy.server.proxy.ProxyRoutes;
import io.mtlsproxy.server.tls.AsyncAdmission;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
import io.mtlsproxy.server.tls.ServerTls;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.lang.reflect.RecordComponent;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one configuration builds: trust material, certificate checks (revocation, Entra),
 * the authenticator and its cache of validated chains, access rules, the SslContext, backends
 * and the HTTP settings. Immutable once built. New connections take the current generation and
 * keep it until they close; a reload builds a whole new one off the event loops and swaps it in,
 * so a connection never sees half of each.
 *
 * <p>A generation is reference-counted: one reference while it is current, one per open
 * connection. When the last goes, its background work stops and its caches are dropped with it
 * (the chain cache, Entra's device cache), and its TLS contexts are released (BoringSSL's are
 * reference-counted: each connection's engine held the context until its SslHandler was removed,
 * so the native context is freed with the last of them). Backends a successor took over unchanged
 * are not closed with it.
 */
final class Generation {
    private static final Logger log = LoggerFactory.getLogger(Generation.class);
    /** Sections read once at start-up (the audit writer, the reload machinery itself). */
    static final Set<String> RESTART_ONLY_SECTIONS = Set.of("limits", "admin", "logging", "audit", "reload");

    /** What every generation is built with; owned by the gateway, not by one generation. */
    record Parts(AuditSink audit, Clock clock, HandshakeFailureLog handshakeFailures,
            CertificateChecks.EntraCheckFactory entraChecks, BackendFactory backends, ListenerConfig.TlsProvider tlsProvider,
            Executor cleanup, Ticker proxyTicker) {
        /** With the system's time for the proxy's passive health. */
        Parts(AuditSink audit, Clock clock, HandshakeFailureLog handshakeFailures,
                CertificateChecks.EntraCheckFactory entraChecks, BackendFactory backends,
                ListenerConfig.TlsProvider tlsProvider, Executor cleanup) {
            this(audit, clock, handshakeFailures, entraChecks, backends, tlsProvider, cleanup, Ticker.systemTicker());
        }
    }

    /** Builds the secret backends of a configuration. */
    @FunctionalInterface
    interface BackendFactory {
        SecretBackends create(SecretsConfig config) throws ConfigException;
    }

    final long number;
    final GatewayConfig config;
    final CertificateChecks checks;
    final ClientAuthenticator authenticator;
    final SslContext sslContext;
    final AsyncAdmission asyncChecks;
    final HttpSettings http;
    final SecretReader reader;
    final SecretBackends backends;
    final X509Certificate serverCertificate;
    final List<X509Certificate> trustAnchors;
    /** Names the callers behind an ingress; null when the behind-ingress listener is off. */
    final ForwardedIdentities ingress;
    /** The behind-ingress listener's server-only TLS; null when it is off or speaks plain HTTP. */
    final SslContext ingressSslContext;

    private final Executor cleanup;
    /** One for being current, one per open connection. */
    private final AtomicInteger references = new AtomicInteger(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private volatile boolean backendsHandedOver;

    private Generation(long number, GatewayConfig config, CertificateChecks checks, ClientAuthenticator authenticator,
            SslContext sslContext, AsyncAdmission asyncChecks, HttpSettings http, SecretReader reader, SecretBackends backends,
            X509Certificate serverCertificate, List<X509Certificate> trustAnchors, ForwardedIdentities ingress,
            SslContext ingressSslContext, Executor cleanup) {
        this.number = number;
        this.config = config;
        this.checks = checks;
        this.authenticator = authenticator;
        this.sslContext = sslContext;
        this.asyncChecks = asyncChecks;
        this.http = http;
        this.reader = reader;
        this.backends = backends;
        this.serverCertificate = serverCertificate;
        this.trustAnchors = trustAnchors;
        this.ingress = ingress;
        this.ingressSslContext = ingressSslContext;
        this.cleanup = cleanup;
    }

    /**
     * Builds everything {@code config} describes; nothing is left running when it throws. Backends
     * of {@code previous} are reused when the secrets section is unchanged (their cache stays warm).
     */
    static Generation build(long number, GatewayConfig config, Generation previous, Parts parts) throws ConfigException {
        Clock clock = parts.clock();
        PolicyConfig policyConfig = config.policy();
        ListenerConfig listener = config.listener();
        TrustMaterial trust = TrustMaterial.load(config.tls(), policyConfig);
        KeyMaterial serverKey = ServerTls.loadKeyMaterial(config.tls());
        AccessRules accessRules = AccessRules.fromConfig(config.access());
        CertificateChecks checks = CertificateChecks.build(config, trust, clock, parts.entraChecks());
        SecretBackends backends = null;
        ProxyRoutes proxy = null;
        SslContext sslContext = null;
        SslContext ingressTls = null;
        boolean reused = previous != null && previous.config.secrets().equals(config.secrets());
        try {
            ClientAuthenticator authenticator = new ClientAuthenticator(checks.policy(), policyConfig, Ticker.systemTicker(), clock);
            sslContext = ServerTls.build(config.tls(), parts.tlsProvider(), listener.mode(), listener.http2(),
                    serverKey, authenticator, trust.acceptedIssuers());
            AsyncAdmission asyncChecks = new AsyncAdmission(checks.asyncChecks(), listener.mode(), clock,
                    policyConfig.clockSkew(), parts.handshakeFailures());
            backends = reused ? previous.backends : parts.backends().create(config.secrets());
            proxy = ProxyRoutes.build(config, parts.tlsProvider(), parts.proxyTicker(),
                    index -> checks.routeGuard(config.proxyRoute(index), listener.mode(), clock, policyConfig.clockSkew(),
                            parts.handshakeFailures()),
                    clock, serverKey.certificate());
            SecretReader reader = new SecretReader(accessRules, backends, parts.audit(), clock, listener.requestTimeout());
            HttpSettings http = HttpSettings.of(listener.maxBodySize(),
                    config.origin().enabled() ? config.origin().path() : null, clock, validationMethods(config),
                    policyConfig.chainValidation(), defaultBackendType(config),
                    checks.routeGuard(config.apiRoute(), listener.mode(), clock, policyConfig.clockSkew(), parts.handshakeFailures()),
                    checks.routeGuard(config.originRoute(), listener.mode(), clock, policyConfig.clockSkew(),
                            parts.handshakeFailures()),
                    proxy);
            warnAboutBroadGrants(config);
            IngressConfig ingressConfig = config.ingress();
            ForwardedIdentities ingress = ingressConfig.enabled()
                    ? new ForwardedIdentities(ingressConfig, authenticator, asyncChecks, listener.mode(), parts.handshakeFailures(),
                            checks::isRevoked)
                    : null;
            ingressTls = ingressConfig.enabled() && ingressConfig.tls() == IngressConfig.IngressTls.SERVER
                    ? ServerTls.buildServerOnly(config.tls(), parts.tlsProvider(), serverKey) : null;
            return new Generation(number, config, checks, authenticator, sslContext, asyncChecks, http, reader, backends,
                    serverKey.certificate(), trust.acceptedIssuers(), ingress, ingressTls, parts.cleanup());
        } catch (ConfigException | RuntimeException e) {
            checks.close();
            // no connection has seen these contexts: releasing frees them now
            ReferenceCountUtil.release(sslContext);
            ReferenceCountUtil.release(ingressTls);
            if (proxy != null) {
                proxy.close();
            }
            if (backends != null && !reused) {
                backends.close();
            }
            throw e;
        }
    }

    /**
     * The current generation, held for {@code channel} until it closes; null once the gateway stops.
     * A reload may retire the generation between the read and the hold: then the next one is taken.
     */
    static Generation acquire(java.util.concurrent.atomic.AtomicReference<Generation> current, Channel channel) {
        while (true) {
            Generation generation = current.get();
            if (generation.tryAcquire(channel)) {
                return generation;
            }
            if (current.get() == generation) {
                return null;
            }
        }
    }

    /** Takes a reference for a new connection; false once the generation has been released for good. */
    boolean tryAcquire(Channel channel) {
        while (true) {
            int count = references.get();
            if (count == 0) {
                return false;
            }
            if (references.compareAndSet(count, count + 1)) {
                channels.add(channel);
                channel.closeFuture().addListener(closed -> {
                    channels.remove(channel);
                    release();
                });
                return true;
            }
        }
    }

    /** The connections opened on this generation and still open. */
    Set<Channel> channels() {
        return channels;
    }

    /**
     * No longer current: {@code successor} serves new connections. This generation lives on
     * while connections opened on it are open, then releases what it built.
     */
    void retire(Generation successor) {
        backendsHandedOver = successor.backends == backends;
        authenticator.invalidateAll(); // no new handshake will use it: free the validated chains now
        release();
    }

    private void release() {
        if (references.decrementAndGet() == 0) {
            try {
                cleanup.execute(this::close); // off the event loop: closing backends may wait on their clients
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                close();
            }
        }
    }

    /** Stops the background work and releases the TLS contexts and backends this generation owns; idempotent. */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        checks.close();
        authenticator.invalidateAll();
        // the generation's own references, once: engines of connections still closing hold theirs until removed
        ReferenceCountUtil.release(sslContext);
        ReferenceCountUtil.release(ingressSslContext);
        http.proxy().close(); // its pools and their TLS contexts: idle upstream connections now, busy ones as their exchanges end
        if (!backendsHandedOver) {
            backends.close();
        }
        log.debug("configuration generation {} released", number);
    }

    boolean isClosed() {
        return closed.get();
    }

    /** What differs from {@code previous}, one entry per section or file, for the reload's log line. */
    List<String> changesFrom(Generation previous) {
        List<String> changes = new ArrayList<>();
        for (RecordComponent section : GatewayConfig.class.getRecordComponents()) {
            if (RESTART_ONLY_SECTIONS.contains(section.getName())) {
                continue; // not applied by a reload: reported as needing a restart instead
            }
            try {
                Object before = section.getAccessor().invoke(previous.config);
                Object after = section.getAccessor().invoke(config);
                if (!java.util.Objects.equals(before, after)) {
                    changes.add(section.getName());
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        if (!serverCertificate.equals(previous.serverCertificate)) {
            changes.add("server certificate " + serverCertificate.getSubjectX500Principal().getName() + " serial "
                    + serverCertificate.getSerialNumber().toString(16) + " (until " + serverCertificate.getNotAfter().toInstant() + ")");
        }
        if (!trustAnchors.equals(previous.trustAnchors)) {
            changes.add("trust anchors (" + trustAnchors.size() + ", were " + previous.trustAnchors.size() + ")");
        }
        return changes;
    }

    /** The origin's method names, for its Diagnostics.ValidationMethod. */
    static String validationMethods(GatewayConfig config) {
        PolicyConfig policy = config.policy();
        List<String> methods = new ArrayList<>(3);
        if (config.listenerPolicyUsesEntra() || config.usesEntra(config.origin().policy())) {
            methods.add("EntraDeviceCert");
        }
        if (policy.chainValidation()) {
            methods.add("CertChainValidation");
        }
        if (!policy.allowedThumbprints().isEmpty()) {
            methods.add("TrustedThumbprints");
        }
        return String.join("+", methods);
    }

    private static String defaultBackendType(GatewayConfig config) {
        String name = config.secrets().effectiveDefaultBackend();
        return config.secrets().backends().stream().filter(b -> b.name().equals(name)).findFirst()
                .map(b -> b.type()).orElse("none");
    }

    private static void warnAboutBroadGrants(GatewayConfig config) {
        for (AccessRuleConfig rule : config.access().rules()) {
            if (rule.match() != null && rule.match().anyAuthenticated() && rule.secrets().contains("*")) {
                log.warn("access rule '{}' lets every authenticated device read every secret (the origin's behaviour); "
                        + "scope it with access.rules in a YAML config", rule.name());
            }
        }
        if (config.access().rules().isEmpty()) {
            log.warn("no access rules: every secret read will be refused (deny by default)");
        }
    }
}
