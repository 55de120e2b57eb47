package io.mtlsproxy.core.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * An App Service managed-identity token endpoint ({@code GET ?resource=...&api-version=2019-08-01}
 * with header {@code X-IDENTITY-HEADER}), reached by the real azure-identity credential through
 * {@code IDENTITY_ENDPOINT} / {@code IDENTITY_HEADER}, which the pom of the module under test sets on the test JVM.
 * MSAL reads them from the process environment only, so there is one endpoint per test JVM on the
 * port the build reserved; tests tell it apart by the token resource (unique per Graph or Key Vault fixture). Shared by the
 * policy and backends tests through proxy-core's test-jar.
 */
public final class ManagedIdentityEndpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ManagedIdentityEndpoint instance;

    private final String identityHeader;
    private final Map<String, Grant> grants = new ConcurrentHashMap<>();
    private final Map<String, List<Map<String, String>>> requests = new ConcurrentHashMap<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();

    /** What the endpoint answers for one resource: a token, or an error status. */
    record Grant(String token, Instant expiresOn, int errorStatus) {}

    private ManagedIdentityEndpoint(int port, String identityHeader) throws IOException {
        this.identityHeader = identityHeader;
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/msi/token", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "test-identity-endpoint");
            thread.setDaemon(true);
            return thread;
        }));
        server.start(); // lives as long as the test JVM
    }

    public static synchronized ManagedIdentityEndpoint get() {
        if (instance == null) {
            String port = System.getProperty("mtlsproxy.test.identityPort");
            String endpoint = System.getenv("IDENTITY_ENDPOINT");
            String header = System.getenv("IDENTITY_HEADER");
            if (port == null || endpoint == null || header == null || !endpoint.contains(":" + port + "/")) {
                throw new IllegalStateException("run through Maven: the module's pom sets IDENTITY_ENDPOINT, "
                        + "IDENTITY_HEADER and mtlsproxy.test.identityPort for the managed-identity tests (found port="
                        + port + ", IDENTITY_ENDPOINT=" + endpoint + ")");
            }
            try {
                instance = new ManagedIdentityEndpoint(Integer.parseInt(port), header);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind the managed-identity endpoint on port " + port, e);
            }
        }
        return instance;
    }

    public void grant(String resource, String token, Instant expiresOn) {
        grants.put(resource, new Grant(token, expiresOn, 0));
    }

    public void refuse(String resource, int status) {
        grants.put(resource, new Grant(null, null, status));
    }

    /** The query parameters of every token request for this resource. */
    public List<Map<String, String>> requests(String resource) {
        return List.copyOf(requests.getOrDefault(resource, List.of()));
    }

    /** Problems seen since the last call (the endpoint is shared by the tests of the JVM). */
    public synchronized List<String> drainProblems() {
        List<String> seen = List.copyOf(problems);
        problems.clear();
        return seen;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            String resource = query.getOrDefault("resource", "");
            requests.computeIfAbsent(resource, r -> new CopyOnWriteArrayList<>()).add(query);
            if (!"GET".equals(exchange.getRequestMethod())
                    || !identityHeader.equals(exchange.getRequestHeaders().getFirst("X-IDENTITY-HEADER"))
                    || !"2019-08-01".equals(query.get("api-version"))) {
                problems.add("not an App Service token request: " + exchange.getRequestMethod() + " "
                        + exchange.getRequestURI() + " header=" + exchange.getRequestHeaders().getFirst("X-IDENTITY-HEADER"));
                send(exchange, 400, Map.of("error", "invalid_request"));
                return;
            }
            Grant grant = grants.get(resource);
            if (grant == null) {
                send(exchange, 400, Map.of("error", "invalid_resource", "error_description", "unknown resource " + resource));
            } else if (grant.token() == null) {
                send(exchange, grant.errorStatus(), Map.of("error", "unavailable", "error_description", "refused by the test"));
            } else {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("access_token", grant.token());
                body.put("expires_on", String.valueOf(grant.expiresOn().getEpochSecond()));
                body.put("resource", resource);
                body.put("token_type", "Bearer");
                send(exchange, 200, body);
            }
        }
    }

    private static void send(HttpExchange exchange, int status, Map<String, ?> body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    public static Map<String, String> query(String rawQuery) {
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(name, value);
        }
        return params;
    }
}
