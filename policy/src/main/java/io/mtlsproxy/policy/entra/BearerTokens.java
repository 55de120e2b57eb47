package io.mtlsproxy.policy.entra;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Graph access tokens from an azure-identity credential: reused until shortly before they expire,
 * at most one request to the credential at a time (every lookup that needs a token meanwhile
 * waits for that one), and each request bounded by the lookup timeout so a hung token endpoint
 * can never hold later lookups.
 */
final class BearerTokens {
    /** A token this close to its expiry is renewed rather than sent. */
    static final Duration RENEW_BEFORE_EXPIRY = Duration.ofMinutes(5);

    private final TokenCredential credential;
    private final TokenRequestContext request;
    private final Duration timeout;
    private final Clock clock;
    private final Executor executor;
    private final Object lock = new Object();
    private AccessToken current;
    private CompletableFuture<AccessToken> pending;

    BearerTokens(TokenCredential credential, String scope, Duration timeout, Clock clock, Executor executor) {
        this.credential = Objects.requireNonNull(credential, "credential");
        this.request = new TokenRequestContext().addScopes(scope);
        this.timeout = timeout;
        this.clock = clock;
        this.executor = executor;
    }

    /** A valid token, or a future failed with {@link GraphUnavailableException}. */
    CompletableFuture<String> token() {
        CompletableFuture<AccessToken> mine;
        synchronized (lock) {
            if (current != null && clock.instant().isBefore(current.getExpiresAt().toInstant().minus(RENEW_BEFORE_EXPIRY))) {
                return CompletableFuture.completedFuture(current.getToken());
            }
            if (pending != null) {
                return pending.thenApply(AccessToken::getToken);
            }
            mine = new CompletableFuture<>();
            pending = mine;
        }
        CompletableFuture<AccessToken> request;
        try {
            request = request();
        } catch (RuntimeException e) { // the executor refused the work (closed)
            request = CompletableFuture.failedFuture(new GraphUnavailableException(GraphUnavailableException.Kind.OUTAGE,
                    "cannot get a Graph token: " + e.getClass().getSimpleName(), EntraDeviceCheck.OUTAGE_RETRY_AFTER, e));
        }
        request.whenComplete((token, error) -> {
            synchronized (lock) {
                if (pending == mine) {
                    pending = null;
                }
                if (error == null) {
                    current = token;
                }
            }
            if (error == null) {
                mine.complete(token);
            } else {
                mine.completeExceptionally(error);
            }
        });
        return mine.thenApply(AccessToken::getToken);
    }

    /** Forgets the token (Graph refused it): the next lookup asks the credential again. */
    void invalidate() {
        synchronized (lock) {
            current = null;
        }
    }

    private CompletableFuture<AccessToken> request() {
        // azure-identity may do blocking work when the Mono is subscribed: never on the caller's thread
        return CompletableFuture.supplyAsync(() -> credential.getToken(request).toFuture(), executor)
                .thenCompose(f -> f)
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((token, error) -> {
                    if (error == null && token != null && token.getToken() != null && token.getExpiresAt() != null) {
                        return token;
                    }
                    Throwable cause = EntraDeviceCheck.unwrap(error);
                    String why = cause == null ? "the credential returned no token"
                            : cause instanceof java.util.concurrent.TimeoutException
                                    ? "no token within " + timeout.toMillis() + " ms"
                                    : cause.getClass().getSimpleName() + ": " + firstLine(cause.getMessage());
                    throw new GraphUnavailableException(GraphUnavailableException.Kind.OUTAGE,
                            "cannot get a Graph token: " + why, EntraDeviceCheck.OUTAGE_RETRY_AFTER, cause);
                });
    }

    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
