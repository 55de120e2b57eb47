package io.mtlsproxy.backends.table;

import static io.mtlsproxy.backends.table.TableBackendTest.await;
import static io.mtlsproxy.backends.table.TableBackendTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.mtlsproxy.backends.SecretRef;
import io.mtlsproxy.backends.SecretUnavailableException;
import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.Secret;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A store that dies, hangs or throttles: every fetch still completes, as
 * {@link SecretUnavailableException}, within the backend's timeout, with the store's Retry-After.
 */
class TableOutageTest {
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        executor.shutdownNow();
    }

    private static BackendConfig.Table config(String connectionString, String table, Duration timeout) {
        return new BackendConfig.Table("devices", null, new Secret(connectionString), table, null, null, null, null,
                null, timeout, null);
    }

    private static String connectionStringFor(int port) {
        return "DefaultEndpointsProtocol=http;AccountName=" + Azurite.ACCOUNT + ";AccountKey=" + Azurite.KEY
                + ";TableEndpoint=http://127.0.0.1:" + port + "/" + Azurite.ACCOUNT + ";";
    }

    @Test
    void azuriteStoppedMidTestIsUnavailableNotAHang() throws Exception {
        Azurite azurite = Azurite.start();
        resources.add(azurite);
        Rows rows = Rows.newTable(azurite).secret("wifi-office", "office-psk");
        CountingHttpClient http = new CountingHttpClient();
        TableBackend backend = TableBackend.create(config(azurite.connectionString(), rows.name(), Duration.ofSeconds(3)),
                executor, http);
        assertThat(await(backend.fetch(SecretRef.latest("wifi-office"))).value()).isEqualTo("office-psk");

        azurite.close();
        assertThat(azurite.isRunning()).isFalse();
        Throwable failure = failureOf(backend.fetch(SecretRef.latest("wifi-office")));

        assertThat(failure).isInstanceOf(SecretUnavailableException.class)
                .hasMessageStartingWith("backend 'devices' cannot serve secret 'wifi-office': ")
                .hasMessageNotContaining("office-psk");
        // one request before the stop, then the first try and at most two bounded retries
        assertThat(http.requests().size()).isBetween(2, 1 + 1 + BoundedRetry.MAX_RETRIES);
    }

    @Test
    void storeThatNeverAnswersTimesOut() throws Exception {
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        resources.add(silent);
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(silent.accept()); // reads nothing, answers nothing
                }
            } catch (IOException closed) {
                accepted.forEach(socket -> {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // closing
                    }
                });
            }
        }, "silent-store");
        acceptor.setDaemon(true);
        acceptor.start();
        TableBackend backend = TableBackend.create(config(connectionStringFor(silent.getLocalPort()), "Secrets",
                Duration.ofMillis(500)), executor);

        Throwable failure = failureOf(backend.fetch(SecretRef.latest("wifi-office")));

        assertThat(failure).isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("no answer within 500ms");
    }

    @Test
    void throttlingIsReturnedAtOnceWithTheStoresRetryAfter() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = fixture(429, "TooManyRequests", "7", calls);

        TableBackend backend = TableBackend.create(config(connectionStringFor(server.getAddress().getPort()), "Secrets",
                Duration.ofSeconds(5)), executor);
        Throwable failure = failureOf(backend.fetch(SecretRef.latest("wifi-office")));

        assertThat(failure).isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("the store answered 429");
        assertThat(((SecretUnavailableException) failure).retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(calls).hasValue(1); // not retried: the caller knows when to come back
    }

    @Test
    void serverBusyIsUnavailableWithRetryAfter() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = fixture(503, "ServerBusy", "2", calls);

        TableBackend backend = TableBackend.create(config(connectionStringFor(server.getAddress().getPort()), "Secrets",
                Duration.ofSeconds(5)), executor);
        Throwable failure = failureOf(backend.fetch(SecretRef.latest("wifi-office")));

        assertThat(failure).isInstanceOf(SecretUnavailableException.class).hasMessageContaining("503");
        assertThat(((SecretUnavailableException) failure).retryAfter()).contains(Duration.ofSeconds(2));
        assertThat(calls).hasValue(1);
    }

    @Test
    void internalErrorsAreRetriedTwiceThenUnavailable() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = fixture(500, "InternalError", null, calls);

        TableBackend backend = TableBackend.create(config(connectionStringFor(server.getAddress().getPort()), "Secrets",
                Duration.ofSeconds(5)), executor);
        Throwable failure = failureOf(backend.fetch(SecretRef.latest("wifi-office")));

        assertThat(failure).isInstanceOf(SecretUnavailableException.class).hasMessageContaining("500 InternalError");
        assertThat(calls).hasValue(1 + BoundedRetry.MAX_RETRIES);
    }

    @Test
    void refusedCredentialsAreUnavailableAndNameTheRole() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = fixture(403, "AuthorizationPermissionMismatch", null, calls);

        TableBackend backend = TableBackend.create(config(connectionStringFor(server.getAddress().getPort()), "Secrets",
                Duration.ofSeconds(5)), executor);

        assertThat(failureOf(backend.fetch(SecretRef.latest("wifi-office"))))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("403 AuthorizationPermissionMismatch")
                .hasMessageContaining("Storage Table Data Reader");
    }

    /** A Table endpoint that answers every request with {@code status}, the service's JSON error and headers. */
    private HttpServer fixture(int status, String code, String retryAfter, AtomicInteger calls) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            calls.incrementAndGet();
            byte[] body = ("{\"odata.error\":{\"code\":\"" + code + "\",\"message\":{\"lang\":\"en-US\",\"value\":\"" + code
                    + "\"}}}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json;odata=minimalmetadata");
            exchange.getResponseHeaders().set("x-ms-error-code", code);
            if (retryAfter != null) {
                exchange.getResponseHeaders().set("Retry-After", retryAfter);
            }
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        resources.add(() -> server.stop(0));
        return server;
    }
}
