package io.mtlsproxy.policy.entra;

import io.mtlsproxy.core.testing.ManagedIdentityEndpoint;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
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
 * Microsoft Graph's {@code /v1.0/devices} as the check uses it, over HTTPS with a certificate from
 * a per-fixture CA. It insists on the bearer token from the managed-identity endpoint, the exact
 * {@code $filter} and {@code $select}, and nothing else; anything unexpected is recorded in
 * {@link #problems()} and answered 400. Each fixture lives under its own path, so its token
 * resource ({@link #endpoint()}) is unique in the JVM.
 */
public final class GraphFixture implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FILTER = Pattern.compile("deviceId eq '([0-9a-f-]{36})'");

    private final IssuedCertificate ca;
    private final HttpsServer server;
    private final ExecutorService threads;
    private final String prefix = "/graph-" + UUID.randomUUID();
    private final String token = "graph-token-" + UUID.randomUUID();
    private final Map<String, Reply> replies = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    /** One canned answer; {@code hold} delays it until released (or the fixture closes). */
    record Reply(int status, Map<String, String> headers, String body, CountDownLatch hold) {}

    public GraphFixture() {
        ca = CertificateBuilder.ca("CN=Graph Fixture CA " + UUID.randomUUID()).selfSigned();
        IssuedCertificate serverCert = CertificateBuilder.server("CN=graph.test").ip("127.0.0.1").signedBy(ca);
        try {
            server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(serverContext(serverCert)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext(prefix, this::handle);
        threads = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "test-graph");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(threads);
        server.start();
    }

    /** The graphEndpoint to configure; the token resource is the same URL. */
    public URI endpoint() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + prefix);
    }

    public String resource() {
        return endpoint().toString();
    }

    public String token() {
        return token;
    }

    /** A JDK HttpClient that trusts this fixture's CA, as the check's own would trust Graph. */
    public HttpClient client() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("graph-ca", ca.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
        } catch (GeneralSecurityException | IOException e) {
            throw new AssertionError(e);
        }
    }

    // --- canned answers ------------------------------------------------------------------------

    public static ObjectNode device(String deviceId, String displayName, boolean enabled, String... keys) {
        ObjectNode device = JSON.createObjectNode();
        device.put("id", UUID.randomUUID().toString());
        device.put("deviceId", deviceId);
        device.put("displayName", displayName);
        device.put("accountEnabled", enabled);
        ArrayNode ids = device.putArray("alternativeSecurityIds");
        for (String key : keys) {
            ids.addObject().put("type", 2).putNull("identityProvider").put("key", key);
        }
        device.put("trustType", "AzureAd");
        device.put("isCompliant", true);
        device.put("isManaged", true);
        return device;
    }

    public void answer(String deviceId, ObjectNode... devices) {
        ObjectNode body = JSON.createObjectNode();
        body.put("@odata.context", "https://graph.microsoft.com/v1.0/$metadata#devices(id,deviceId)");
        ArrayNode value = body.putArray("value");
        for (ObjectNode device : devices) {
            value.add(device);
        }
        reply(deviceId, 200, Map.of(), body.toString(), null);
    }

    public void noDevice(String deviceId) {
        answer(deviceId);
    }

    public void status(String deviceId, int status, Map<String, String> headers) {
        String body = "{\"error\":{\"code\":\"" + (status == 429 ? "TooManyRequests" : "ServiceUnavailable")
                + "\",\"message\":\"from the test\"}}";
        reply(deviceId, status, headers, body, null);
    }

    /** Answers only when the latch is released (or the fixture closes). */
    void held(String deviceId, ObjectNode device, CountDownLatch release) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("value").add(device);
        reply(deviceId, 200, Map.of(), body.toString(), release);
    }

    void reply(String deviceId, int status, Map<String, String> headers, String body, CountDownLatch hold) {
        replies.put(deviceId, new Reply(status, headers, body, hold));
    }

    public int calls(String deviceId) {
        AtomicInteger count = calls.get(deviceId);
        return count == null ? 0 : count.get();
    }

    public int totalCalls() {
        return calls.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    // --- the server ----------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String rawQuery = exchange.getRequestURI().getRawQuery();
            Map<String, String> query = ManagedIdentityEndpoint.query(rawQuery);
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String problem = null;
            if (!"GET".equals(exchange.getRequestMethod())) {
                problem = "method " + exchange.getRequestMethod();
            } else if (!exchange.getRequestURI().getRawPath().equals(prefix + "/v1.0/devices")) {
                problem = "path " + exchange.getRequestURI().getRawPath();
            } else if (!("Bearer " + token).equals(authorization)) {
                problem = "Authorization " + authorization;
            } else if (rawQuery == null || rawQuery.contains(" ") || rawQuery.contains("'")) {
                problem = "query not encoded: " + rawQuery;
            } else if (!query.keySet().equals(java.util.Set.of("$filter", "$select"))) {
                problem = "query parameters " + query.keySet();
            } else if (!"id,deviceId,displayName,accountEnabled,alternativeSecurityIds,trustType,isCompliant,isManaged"
                    .equals(query.get("$select"))) {
                problem = "$select " + query.get("$select");
            }
            Matcher filter = FILTER.matcher(query.getOrDefault("$filter", ""));
            if (problem == null && !filter.matches()) {
                problem = "$filter " + query.get("$filter");
            }
            if (problem != null) {
                problems.add(problem);
                send(exchange, 400, Map.of(), "{\"error\":{\"code\":\"BadRequest\"}}");
                return;
            }
            String deviceId = filter.group(1);
            calls.computeIfAbsent(deviceId, d -> new AtomicInteger()).incrementAndGet();
            Reply reply = replies.get(deviceId);
            if (reply == null) {
                problems.add("no answer prepared for device " + deviceId);
                send(exchange, 400, Map.of(), "{}");
                return;
            }
            if (reply.hold() != null) {
                awaitEither(reply.hold());
            }
            send(exchange, reply.status(), reply.headers(), reply.body());
        }
    }

    private void awaitEither(CountDownLatch release) {
        try {
            while (release.getCount() > 0 && closing.getCount() > 0) {
                release.await(50, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange exchange, int status, Map<String, String> headers, String body)
            throws IOException {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static SSLContext serverContext(IssuedCertificate cert) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] password = "fixture".toCharArray();
            keys.setKeyEntry("graph", cert.keyPair().getPrivate(), password,
                    cert.chain().toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
