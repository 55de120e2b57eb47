package io.mtlsproxy.backends;

import io.mtlsproxy.core.testing.ManagedIdentityEndpoint;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Azure Key Vault's secrets REST API as the SDK uses it for reads, over HTTPS with a certificate
 * from a per-fixture CA:
 *
 * <ul>
 *   <li>a request without {@code Authorization} gets Key Vault's bearer challenge: 401 with
 *       {@code WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/<tenant>",
 *       resource="<resource>"}; a wrong token gets it too, and is recorded as a problem;</li>
 *   <li>{@code GET /secrets/{name}[/]} (latest) and {@code /secrets/{name}/{version}} with
 *       {@code api-version}; the answer is {@code {"value","id","attributes":{"enabled","created",
 *       "updated","recoveryLevel",["exp"],["nbf"]},"tags"}} with dates in Unix seconds;</li>
 *   <li>404 {@code SecretNotFound}; 403 {@code Forbidden/SecretDisabled} for a disabled secret;
 *       canned answers (429 with Retry-After, 403 AccessDenied, 503) and held answers (a latch)
 *       per secret name.</li>
 * </ul>
 * Anything unexpected (another method, path, api-version or token) is answered 400 and recorded
 * in {@link #problems()}. The token resource is Key Vault's public one, {@value #PUBLIC_RESOURCE},
 * with one token for the JVM (the identity library caches tokens per resource across
 * credentials), unless a test asks for a resource of its own to count token requests.
 */
final class KeyVaultFixture implements AutoCloseable {
    static final String PUBLIC_RESOURCE = "https://vault.azure.net";
    static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    private static final String SHARED_TOKEN = "kv-token-" + UUID.randomUUID();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SECRET_PATH = Pattern.compile("/secrets/([^/]+)(?:/([^/]*))?");

    private final IssuedCertificate ca;
    private final HttpsServer server;
    private final ExecutorService threads;
    private final String resource;
    private final String token;
    private final String apiVersion;
    private final Map<String, List<Version>> secrets = new ConcurrentHashMap<>();
    private final Map<String, Reply> canned = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final AtomicInteger challenges = new AtomicInteger();
    private final Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    /** One version of a secret, as Key Vault keeps it. */
    record Version(String id, String value, boolean enabled, Instant created, Instant expires, Instant notBefore) {}

    /** A canned answer for a secret name; {@code times} answers, then the normal ones. */
    record Reply(int status, Map<String, String> headers, String body, AtomicInteger times) {}

    /** A fixture with the public resource and the JVM's shared token. */
    KeyVaultFixture(String apiVersion) {
        this(apiVersion, PUBLIC_RESOURCE, SHARED_TOKEN);
    }

    /** A fixture whose challenge names a resource of its own, with a token of its own. */
    static KeyVaultFixture withOwnResource(String apiVersion) {
        String id = UUID.randomUUID().toString();
        return new KeyVaultFixture(apiVersion, "https://vault-" + id + ".vault.azure.net", "kv-token-" + id);
    }

    private KeyVaultFixture(String apiVersion, String resource, String token) {
        this.apiVersion = apiVersion;
        this.resource = resource;
        this.token = token;
        ManagedIdentityEndpoint.get().grant(resource, token, Instant.now().plus(Duration.ofHours(12)));
        ca = CertificateBuilder.ca("CN=Key Vault Fixture CA " + UUID.randomUUID()).selfSigned();
        IssuedCertificate serverCert = CertificateBuilder.server("CN=vault.test").ip("127.0.0.1").signedBy(ca);
        try {
            server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(serverContext(serverCert)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        threads = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "test-key-vault");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(threads);
        server.start();
    }

    URI vaultUri() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    }

    String resource() {
        return resource;
    }

    /** An SSLContext that trusts this fixture's CA, as the gateway's JVM trusts Key Vault's. */
    SSLContext clientContext() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("vault-ca", ca.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new AssertionError(e);
        }
    }

    // --- the vault's content -------------------------------------------------------------------

    /** Adds a new, enabled, current version; returns its id (32 hex digits, as Key Vault's). */
    String put(String name, String value) {
        return put(name, value, true, null, null);
    }

    String put(String name, String value, boolean enabled, Instant expires, Instant notBefore) {
        String id = UUID.randomUUID().toString().replace("-", "");
        secrets.computeIfAbsent(name.toLowerCase(), n -> new CopyOnWriteArrayList<>())
                .add(new Version(id, value, enabled, Instant.now(), expires, notBefore));
        return id;
    }

    /** The next {@code times} reads of {@code name} get this answer. */
    void reply(String name, int times, int status, Map<String, String> headers, String body) {
        canned.put(name.toLowerCase(), new Reply(status, headers, body, new AtomicInteger(times)));
    }

    void throttle(String name, int times, String retryAfter) {
        reply(name, times, 429, Map.of("Retry-After", retryAfter),
                "{\"error\":{\"code\":\"Throttled\",\"message\":\"Request was not processed because too many requests were "
                        + "received. Reason: VaultRequestTypeLimitReached\"}}");
    }

    /** Answers for {@code name} wait until the latch is released (or the fixture closes). */
    void hold(String name, CountDownLatch release) {
        holds.put(name.toLowerCase(), release);
    }

    /** Every request line, {@code METHOD rawPath?rawQuery}, in arrival order. */
    List<String> requests() {
        return List.copyOf(requests);
    }

    /** Authenticated requests for one secret name: challenges are not counted, retries are. */
    int answered(String name) {
        AtomicInteger count = answered.get(name.toLowerCase());
        return count == null ? 0 : count.get();
    }

    int challenges() {
        return challenges.get();
    }

    List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public void close() {
        closing.countDown();
        holds.values().forEach(CountDownLatch::countDown);
        server.stop(0);
        threads.shutdownNow();
    }

    // --- the server ----------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            URI uri = exchange.getRequestURI();
            String rawQuery = uri.getRawQuery();
            requests.add(exchange.getRequestMethod() + " " + uri.getRawPath() + (rawQuery == null ? "" : "?" + rawQuery));
            Map<String, String> query = ManagedIdentityEndpoint.query(rawQuery);
            Matcher path = SECRET_PATH.matcher(uri.getRawPath());
            String problem = null;
            if (!"GET".equals(exchange.getRequestMethod())) {
                problem = "method " + exchange.getRequestMethod();
            } else if (!path.matches()) {
                problem = "path " + uri.getRawPath();
            } else if (!apiVersion.equals(query.get("api-version")) || query.size() != 1) {
                problem = "query " + rawQuery;
            }
            if (problem != null) {
                problems.add(problem);
                send(exchange, 400, Map.of(), "{\"error\":{\"code\":\"BadParameter\",\"message\":\"from the fixture\"}}");
                return;
            }
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization == null || !authorization.equals("Bearer " + token)) {
                if (authorization != null) {
                    problems.add("Authorization " + authorization);
                }
                challenges.incrementAndGet();
                send(exchange, 401, Map.of("WWW-Authenticate", "Bearer authorization=\"https://login.microsoftonline.com/"
                        + TENANT + "\", resource=\"" + resource + "\""),
                        "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10000: Request is missing a Bearer or PoP token.\"}}");
                return;
            }
            String name = path.group(1).toLowerCase();
            answered.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
            String version = path.group(2) == null || path.group(2).isEmpty() ? null : path.group(2);
            CountDownLatch hold = holds.get(name);
            if (hold != null) {
                try {
                    hold.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (closing.getCount() == 0) {
                    return;
                }
            }
            Reply reply = canned.get(name);
            if (reply != null && reply.times().getAndDecrement() > 0) {
                send(exchange, reply.status(), reply.headers(), reply.body());
                return;
            }
            answer(exchange, name, version);
        }
    }

    private void answer(HttpExchange exchange, String name, String version) throws IOException {
        List<Version> versions = secrets.getOrDefault(name, List.of());
        Version found = null;
        if (version == null) {
            found = versions.isEmpty() ? null : versions.get(versions.size() - 1);
        } else {
            for (Version v : versions) {
                if (v.id().equalsIgnoreCase(version)) {
                    found = v;
                }
            }
        }
        if (found == null) {
            String message = version == null
                    ? "A secret with (name/id) " + name + " was not found in this key vault."
                    : "A secret with (name/id) " + name + "/" + version + " was not found in this key vault.";
            send(exchange, 404, Map.of(), "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"" + message + "\"}}");
            return;
        }
        if (!found.enabled()) {
            send(exchange, 403, Map.of(), "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation get is not allowed on a "
                    + "disabled secret.\",\"innererror\":{\"code\":\"SecretDisabled\"}}}");
            return;
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("value", found.value());
        body.put("id", vaultUri() + "/secrets/" + name + "/" + found.id());
        ObjectNode attributes = body.putObject("attributes");
        attributes.put("enabled", true);
        if (found.notBefore() != null) {
            attributes.put("nbf", found.notBefore().getEpochSecond());
        }
        if (found.expires() != null) {
            attributes.put("exp", found.expires().getEpochSecond());
        }
        attributes.put("created", found.created().getEpochSecond());
        attributes.put("updated", found.created().getEpochSecond());
        attributes.put("recoveryLevel", "Recoverable+Purgeable");
        attributes.put("recoverableDays", 90);
        body.putObject("tags");
        send(exchange, 200, Map.of(), body.toString());
    }

    private static void send(HttpExchange exchange, int status, Map<String, String> headers, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.getResponseHeaders().set("x-ms-keyvault-service-version", "1.9.2000.1");
        headers.forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static SSLContext serverContext(IssuedCertificate cert) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] password = "fixture".toCharArray();
            keys.setKeyEntry("vault", cert.keyPair().getPrivate(), password, cert.chain().toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new AssertionError(e);
        }
    }
}
