package io.mtlsproxy.backends.table;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.http.rest.Response;
import com.azure.data.tables.TableAsyncClient;
import com.azure.data.tables.TableClientBuilder;
import com.azure.data.tables.models.TableEntity;
import com.azure.data.tables.models.TableServiceException;
import io.mtlsproxy.backends.InvalidSecretNameException;
import io.mtlsproxy.backends.SecretBackend;
import io.mtlsproxy.backends.SecretBackendException;
import io.mtlsproxy.backends.SecretNotFoundException;
import io.mtlsproxy.backends.SecretRef;
import io.mtlsproxy.backends.SecretUnavailableException;
import io.mtlsproxy.backends.SecretValue;
import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.secret.SecretNames;
import io.mtlsproxy.core.secret.TableKeys;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Secrets as rows of an Azure Table (the origin's {@code WORKLOAD=TABLE}), read with the
 * azure-data-tables SDK over the JDK HttpClient.
 *
 * <p>A secret {@code name} is the row {@code (partitionKey, rowKey with {name} replaced)}; its
 * {@code valueProperty} (a string) is the value, every other property but PartitionKey, RowKey
 * and Timestamp its {@link SecretValue#fields() fields} (what the origin route returns), and the
 * row's ETag its version. A row without the value property is an error of the store's content
 * ({@link SecretBackendException}, a 500), not "not found": the row exists.
 *
 * <p>Names are checked against {@link SecretNames} and the composed key against
 * {@link TableKeys} before any call; the SDK puts the keys into the entity URL
 * {@code Table(PartitionKey='..',RowKey='..')}, doubling quotes and percent-encoding the rest,
 * so a name selects exactly one row and never forms a query.
 *
 * <p>Every call starts on the backend's executor (token acquisition included) and is bounded by
 * the backend's timeout, SDK retries included: a transport error or a 500/502/504 is retried at
 * most twice with short delays; 429 and 503 are not retried but returned at once as
 * {@link SecretUnavailableException} with the store's Retry-After, so the cache and the circuit
 * breaker decide, not a sleeping retry loop.
 */
public final class TableBackend implements SecretBackend {
    /** The timeout of a backend whose {@code timeout} is not set. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(TableBackend.class);

    private final String name;
    private final String table;
    private final String partitionKey;
    private final String rowKeyPrefix;
    private final String rowKeySuffix;
    private final TableRows rows;
    private final Duration timeout;
    private final TableAsyncClient client;
    private final Scheduler scheduler;
    private volatile boolean closed;

    private TableBackend(BackendConfig.Table config, TableAsyncClient client, Duration timeout, Executor executor) {
        this.name = config.name();
        this.table = config.effectiveTable();
        this.partitionKey = config.partitionKey();
        int placeholder = config.rowKey().indexOf(BackendConfig.Table.NAME_PLACEHOLDER);
        this.rowKeyPrefix = config.rowKey().substring(0, placeholder);
        this.rowKeySuffix = config.rowKey().substring(placeholder + BackendConfig.Table.NAME_PLACEHOLDER.length());
        this.rows = new TableRows(config.name(), config.type(), config.valueProperty());
        this.timeout = timeout;
        this.client = client;
        // a plain Executor view: Reactor would shut down an ExecutorService when the scheduler is disposed
        Executor calls = executor::execute;
        this.scheduler = Schedulers.fromExecutor(calls);
    }

    /**
     * The backend of a validated {@code type: table} config.
     *
     * @param executor starts every call and runs the HTTP client's work; never an event loop
     * @throws ConfigException when the SDK refuses the connection string, endpoint or credential
     */
    public static TableBackend create(BackendConfig.Table config, Executor executor) throws ConfigException {
        Duration timeout = Objects.requireNonNullElse(config.timeout(), DEFAULT_TIMEOUT);
        HttpClient http = new JdkHttpClientBuilder()
                .executor(executor)
                .connectionTimeout(timeout)
                .responseTimeout(timeout)
                .build();
        return create(config, executor, http);
    }

    /** As {@link #create(BackendConfig.Table, Executor)}, over the given HTTP client (tests: TLS trust, counting). */
    static TableBackend create(BackendConfig.Table config, Executor executor, HttpClient http) throws ConfigException {
        Duration timeout = Objects.requireNonNullElse(config.timeout(), DEFAULT_TIMEOUT);
        String at = "secrets.backends '" + config.name() + "'";
        TableClientBuilder builder = new TableClientBuilder()
                .httpClient(http)
                .retryPolicy(new RetryPolicy(new BoundedRetry(timeout)))
                .addPolicy(new WithoutContentLength())
                .tableName(config.effectiveTable());
        try {
            if (config.connectionString() != null) {
                builder.connectionString(config.connectionString().reveal());
            } else {
                builder.endpoint(config.accountEndpoint())
                        .credential(TableCredentials.fromConfig(config.credential(), http));
            }
            return new TableBackend(config, builder.buildAsyncClient(), timeout, executor);
        } catch (RuntimeException e) {
            // a connection string holds the key: the SDK's words about it are not repeated
            String detail = config.connectionString() != null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
            String setting = config.connectionString() != null ? ".connectionString" : ".endpoint";
            String message = at + setting + ": refused by the Table SDK (" + detail + ")";
            throw config.connectionString() != null ? new ConfigException(message) : new ConfigException(message, e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "table";
    }

    @Override
    public CompletableFuture<SecretValue> fetch(SecretRef ref) {
        Optional<String> problem = SecretNames.problem(ref.name());
        if (problem.isPresent()) {
            return CompletableFuture.failedFuture(new InvalidSecretNameException(problem.get()));
        }
        String rowKey = rowKeyPrefix + ref.name() + rowKeySuffix;
        Optional<String> keyProblem = TableKeys.keyProblem(rowKey);
        if (keyProblem.isPresent()) {
            // unreachable with today's name rule; kept so a wider rule cannot open the URL to a name
            return CompletableFuture.failedFuture(new InvalidSecretNameException("as a Table RowKey the name "
                    + keyProblem.get()));
        }
        if (closed) {
            return CompletableFuture.failedFuture(unavailable(ref, "the backend is closed", null, null));
        }
        CompletableFuture<SecretValue> answer = new CompletableFuture<>();
        Mono.defer(() -> client.getEntityWithResponse(partitionKey, rowKey, null))
                .subscribeOn(scheduler)
                .subscribe(
                        response -> complete(answer, ref, response),
                        error -> answer.completeExceptionally(failure(ref, error)),
                        () -> answer.completeExceptionally(new SecretNotFoundException(ref.name(), name)));
        // The answer is due within the timeout, retries included. The call itself is not cancelled:
        // cancelling the JDK client's exchange only makes Reactor log the dropped error, and the
        // client's own connect and response timeouts end it soon after.
        CompletableFuture<SecretValue> result = new CompletableFuture<>();
        answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
            } else {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                result.completeExceptionally(cause instanceof TimeoutException
                        ? unavailable(ref, "no answer within " + timeout.toMillis() + "ms", null, null)
                        : cause);
            }
        });
        return result;
    }

    /** Stops starting calls on the executor; calls in flight finish on their own. */
    @Override
    public void close() {
        closed = true;
        scheduler.dispose();
    }

    private void complete(CompletableFuture<SecretValue> result, SecretRef ref, Response<TableEntity> response) {
        try {
            SecretValue value = rows.toSecret(ref.name(), response.getValue());
            if (ref.version() != null && !ref.version().equals(value.version())) {
                // a row has only its current version
                result.completeExceptionally(new SecretNotFoundException(ref.name(), name));
            } else {
                result.complete(value);
            }
        } catch (SecretBackendException e) {
            result.completeExceptionally(e);
        } catch (RuntimeException e) {
            result.completeExceptionally(new SecretBackendException("backend '" + name + "': cannot read the row of secret '"
                    + ref.name() + "' (" + e.getClass().getSimpleName() + ")"));
        }
    }

    /** The SDK's failure as one of the backend outcomes; HTTP errors are not kept as causes (their bodies stay out). */
    private SecretBackendException failure(SecretRef ref, Throwable error) {
        if (error instanceof TimeoutException) {
            return unavailable(ref, "no answer within " + timeout.toMillis() + "ms", null, null);
        }
        if (error instanceof SecretBackendException known) {
            return known;
        }
        if (error instanceof HttpResponseException http && http.getResponse() != null) {
            int status = http.getResponse().getStatusCode();
            String code = errorCode(http);
            if (status == 404 && "TableNotFound".equals(code)) {
                log.warn("backend '{}': table '{}' does not exist", name, table);
                return unavailable(ref, "the table '" + table + "' does not exist", null, null);
            }
            if (status == 404) {
                return new SecretNotFoundException(ref.name(), name);
            }
            if (status == 429 || status >= 500 || status == 408) {
                return unavailable(ref, "the store answered " + status + codeSuffix(code),
                        RetryAfter.of(http.getResponse().getHeaders()), null);
            }
            if (status == 401 || status == 403) {
                return unavailable(ref, "the store refused the gateway's credentials (" + status + codeSuffix(code)
                        + "; the identity needs the Storage Table Data Reader role)", null, null);
            }
            return new SecretBackendException("backend '" + name + "' cannot serve secret '" + ref.name()
                    + "': the store answered " + status + codeSuffix(code));
        }
        if (error instanceof ClientAuthenticationException) {
            // the credential's message names the endpoint and the reason, never a token
            return unavailable(ref, "cannot get a token: " + firstLine(error.getMessage()), null, null);
        }
        return unavailable(ref, "cannot reach the store (" + error.getClass().getSimpleName() + ")", null,
                transportCause(error));
    }

    private SecretUnavailableException unavailable(SecretRef ref, String reason, Duration retryAfter, Throwable cause) {
        return new SecretUnavailableException(ref.name(), name, reason, retryAfter, cause);
    }

    /** Transport errors carry no secret; anything else is left out of the chain. */
    private static Throwable transportCause(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException) {
                return t;
            }
        }
        return null;
    }

    private static String errorCode(HttpResponseException http) {
        if (http instanceof TableServiceException table && table.getValue() != null) {
            return table.getValue().getErrorCode() == null ? null : table.getValue().getErrorCode().toString();
        }
        return http.getResponse().getHeaders().getValue(com.azure.core.http.HttpHeaderName.fromString("x-ms-error-code"));
    }

    private static String codeSuffix(String code) {
        return code == null || code.isBlank() ? "" : " " + code;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        String line = message.lines().findFirst().orElse("").trim();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
