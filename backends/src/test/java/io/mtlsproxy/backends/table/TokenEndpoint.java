package io.mtlsproxy.backends.table;

import io.mtlsproxy.core.testing.ManagedIdentityEndpoint;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * The App Service managed-identity endpoint ({@code GET ?resource=...&api-version=2019-08-01},
 * header {@code X-IDENTITY-HEADER}) that the real azure-identity credential reaches through
 * {@code IDENTITY_ENDPOINT}/{@code IDENTITY_HEADER}, set on the test JVM by backends/pom.xml. MSAL
 * reads them from the process environment only, so there is one endpoint per JVM, on the
 * reserved port. It issues storage tokens that Azurite's {@code --oauth basic} accepts (a JWT
 * with storage's audience and an Entra issuer; Azurite does not check signatures). A
 * user-assigned identity's {@code client_id} selects what it answers, since MSAL caches tokens
 * per identity for the whole JVM.
 */
final class TokenEndpoint {
    static final String STORAGE = "https://storage.azure.com";
    /** A user-assigned identity this endpoint refuses. */
    static final String REFUSED_IDENTITY = "00000000-0000-0000-0000-00000000dead";
    /** A user-assigned identity that gets a token for the wrong audience, which Azurite must refuse. */
    static final String WRONG_AUDIENCE_IDENTITY = "00000000-0000-0000-0000-0000000000a1";
    private static final String TENANT = "ab1f708d-50f6-404c-a006-d71b2ac7a606";
    private static TokenEndpoint instance;

    private final String identityHeader;
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();

    private TokenEndpoint(int port, String identityHeader) throws IOException {
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

    static synchronized TokenEndpoint get() {
        if (instance == null) {
            String port = System.getProperty("backends.test.identityPort");
            String endpoint = System.getenv("IDENTITY_ENDPOINT");
            String header = System.getenv("IDENTITY_HEADER");
            if (port == null || endpoint == null || header == null || !endpoint.contains(":" + port + "/")) {
                throw new IllegalStateException("run through Maven: backends/pom.xml sets IDENTITY_ENDPOINT, IDENTITY_HEADER"
                        + " and backends.test.identityPort (found port=" + port + ", IDENTITY_ENDPOINT=" + endpoint + ")");
            }
            try {
                instance = new TokenEndpoint(Integer.parseInt(port), header);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind the managed-identity endpoint on port " + port, e);
            }
        }
        return instance;
    }

    /** The query of every token request so far. */
    List<Map<String, String>> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> query = ManagedIdentityEndpoint.query(exchange.getRequestURI().getRawQuery());
            requests.add(query);
            if (!"GET".equals(exchange.getRequestMethod())
                    || !identityHeader.equals(exchange.getRequestHeaders().getFirst("X-IDENTITY-HEADER"))
                    || !"2019-08-01".equals(query.get("api-version"))) {
                send(exchange, 400, "{\"error\":\"invalid_request\"}");
                return;
            }
            String clientId = query.get("client_id");
            if (REFUSED_IDENTITY.equals(clientId)) {
                send(exchange, 400, "{\"error\":\"invalid_client\",\"error_description\":\"identity not assigned\"}");
                return;
            }
            String audience = WRONG_AUDIENCE_IDENTITY.equals(clientId) ? "https://vault.azure.net" : query.get("resource");
            long expires = Instant.now().plusSeconds(3600).getEpochSecond();
            send(exchange, 200, "{\"access_token\":\"" + jwt(audience, expires) + "\",\"expires_on\":\"" + expires
                    + "\",\"resource\":\"" + query.get("resource") + "\",\"token_type\":\"Bearer\"}");
        }
    }

    private static String jwt(String audience, long expires) {
        long now = Instant.now().getEpochSecond();
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String header = url.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = url.encodeToString(("{\"aud\":\"" + audience + "\",\"iss\":\"https://sts.windows.net/" + TENANT
                + "/\",\"iat\":" + (now - 60) + ",\"nbf\":" + (now - 60) + ",\"exp\":" + expires
                + ",\"oid\":\"5e0c1a1e-0000-0000-0000-000000000001\",\"tid\":\"" + TENANT + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        return header + "." + claims + "." + url.encodeToString("unsigned".getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
