package io.mtlsproxy.backends;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.util.ClientOptions;
import com.azure.security.keyvault.secrets.SecretAsyncClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import com.azure.security.keyvault.secrets.SecretServiceVersion;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;
import io.mtlsproxy.core.config.BackendConfig;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.secret.SecretNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * Secrets from one Azure Key Vault, read with the Azure SDK's {@link SecretAsyncClient} over the
 * JDK HttpClient, signed in with an azure-identity credential through Key Vault's bearer
 * challenge.
 *
 * <p>What a read can end in, before and after the network:
 * <ul>
 *   <li>a name Key Vault cannot hold (valid for the gateway, but with '_' or '.') or a version
 *       that is not 32 hex digits: {@link SecretNotFoundException}, without a call: no such
 *       secret can exist in a vault, just as a file backend has no file with that name;</li>
 *   <li>404 {@code SecretNotFound}: {@link SecretNotFoundException};</li>
 *   <li>403 {@code SecretDisabled}: {@link SecretDisabledException}; {@code exp} passed:
 *       {@link SecretExpiredException}; {@code nbf} ahead: {@link SecretNotYetValidException}
 *       (Key Vault returns expired and not-yet-valid secrets; the attributes are the owner's
 *       instruction not to use them, so the gateway enforces them);</li>
 *   <li>any other 403 (the gateway's identity lacks "get" on secrets), 401, 429, 5xx, a
 *       credential failure, a transport error or no answer within the timeout:
 *       {@link SecretUnavailableException}, with the vault's Retry-After when it sent one and
 *       the vault's error code in the message (never its body).</li>
 * </ul>
 * Every read is started on the backend's executor (token acquisition may block) and bounded by
 * the backend's timeout, the SDK's retries included (see {@link KeyVaultRetry}).
 */
public final class KeyVaultBackend implements SecretBackend {
    /** The longest one read may take when {@code timeout} is not set. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** Key Vault's own rule for secret names. */
    private static final Pattern KEY_VAULT_NAME = Pattern.compile("[0-9A-Za-z-]{1,127}");
    /** Key Vault's version ids: 32 hex digits, the last segment of a secret id. */
    private static final Pattern VERSION = Pattern.compile("[0-9A-Fa-f]{32}");

    private static final Logger log = LoggerFactory.getLogger(KeyVaultBackend.class);

    private final String name;
    private final String type;
    private final URI vault;
    private final SecretAsyncClient client;
    private final Duration timeout;
    private final Executor executor;
    private final Clock clock;

    /**
     * How the backend reaches the vault; production builds its own ({@link #fromConfig}), tests
     * hand in a client that trusts their fixture.
     *
     * @param verifyChallengeResource check that the bearer challenge's resource belongs to the
     *     vault's domain, so a token is never sent to something that is not a vault
     */
    record Transport(HttpClient httpClient, TokenCredential credential, boolean verifyChallengeResource) {}

    KeyVaultBackend(BackendConfig.KeyVault config, Transport transport, Executor executor, Clock clock) {
        this.name = config.name();
        this.type = config.type();
        this.vault = Objects.requireNonNull(config.effectiveVaultUri(), "vaultUri");
        this.timeout = Objects.requireNonNullElse(config.timeout(), DEFAULT_TIMEOUT);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("backend '" + name + "': timeout must be longer than zero");
        }
        this.executor = Objects.requireNonNull(executor, "executor");
        this.clock = Objects.requireNonNull(clock, "clock");
        SecretServiceVersion apiVersion = config.apiVersion() == null ? SecretServiceVersion.getLatest()
                : serviceVersion(config.apiVersion()).orElseThrow(() -> new IllegalArgumentException("backend '" + name
                        + "': apiVersion '" + config.apiVersion() + "' is not one of " + knownApiVersions()));
        SecretClientBuilder builder = new SecretClientBuilder()
                .vaultUrl(vault.toString())
                .credential(new TokenFailures(transport.credential()))
                .httpClient(transport.httpClient())
                .serviceVersion(apiVersion)
                .retryPolicy(new RetryPolicy(new KeyVaultRetry(timeout, clock)))
                // NONE whatever AZURE_HTTP_LOG_DETAIL_LEVEL says: a body logged is a secret logged
                .httpLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE))
                .clientOptions(new ClientOptions().setApplicationId("mtls-proxy"))
                .addPolicy(new BodylessRequests())
                .addPolicy(new KeyVaultAnswerCheck());
        if (!transport.verifyChallengeResource()) {
            builder.disableChallengeResourceVerification();
        }
        this.client = builder.buildAsyncClient();
    }

    /**
     * The backend as configured: its credential and a JDK HttpClient of its own, both running
     * on {@code executor}.
     *
     * @param at the backend's setting path, for messages
     * @throws ConfigException when the credential cannot be built
     */
    public static KeyVaultBackend fromConfig(BackendConfig.KeyVault config, String at, Executor executor, Clock clock)
            throws ConfigException {
        Duration timeout = Objects.requireNonNullElse(config.timeout(), DEFAULT_TIMEOUT);
        TokenCredential credential = AzureCredentials.fromConfig(config.credential(), at + ".credential", timeout, executor);
        HttpClient http = new JdkHttpClientBuilder()
                .executor(executor)
                .connectionTimeout(timeout)
                .responseTimeout(timeout)
                .build();
        return new KeyVaultBackend(config, new Transport(http, credential, true), executor, clock);
    }

    /** The api-version {@code apiVersion} names; empty for null or an unknown one. */
    static Optional<SecretServiceVersion> serviceVersion(String apiVersion) {
        if (apiVersion == null) {
            return Optional.empty();
        }
        return Arrays.stream(SecretServiceVersion.values())
                .filter(v -> v.getVersion().equals(apiVersion.trim()))
                .findFirst();
    }

    /** The api-versions this client library speaks, for messages. */
    static String knownApiVersions() {
        return Arrays.stream(SecretServiceVersion.values()).map(SecretServiceVersion::getVersion)
                .collect(Collectors.joining(", "));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return type;
    }

    /** The vault this backend reads, e.g. {@code https://contoso.vault.azure.net}. */
    public URI vault() {
        return vault;
    }

    @Override
    public CompletableFuture<SecretValue> fetch(SecretRef ref) {
        Optional<String> problem = SecretNames.problem(ref.name());
        if (problem.isPresent()) {
            return CompletableFuture.failedFuture(new InvalidSecretNameException(problem.get()));
        }
        // Checked here although the SDK encodes path segments: what cannot exist is never asked for.
        if (!KEY_VAULT_NAME.matcher(ref.name()).matches()
                || (ref.version() != null && !VERSION.matcher(ref.version()).matches())) {
            return CompletableFuture.failedFuture(new SecretNotFoundException(ref.name(), name));
        }
        CompletableFuture<SecretValue> result = new CompletableFuture<>();
        try {
            // Subscribing runs the pipeline up to its first asynchronous step, which can be a
            // blocking token request: never on the caller's (event loop) thread.
            executor.execute(() -> read(ref, result));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(unavailable(ref, "the Key Vault reader is overloaded", null, e));
        }
        return result;
    }

    private void read(SecretRef ref, CompletableFuture<SecretValue> result) {
        Call call = new Call();
        try {
            client.getSecret(ref.name(), ref.version() == null ? "" : ref.version())
                    .timeout(timeout)
                    .contextWrite(Context.of(Call.class, call))
                    .subscribe(
                            secret -> complete(ref, secret, result),
                            error -> result.completeExceptionally(failure(ref, error, call)),
                            () -> result.completeExceptionally(
                                    new SecretBackendException("Key Vault answered secret '" + ref.name() + "' with nothing")));
        } catch (RuntimeException e) {
            result.completeExceptionally(failure(ref, e, call));
        }
    }

    private void complete(SecretRef ref, KeyVaultSecret secret, CompletableFuture<SecretValue> result) {
        try {
            result.complete(toValue(ref, secret));
        } catch (SecretBackendException e) {
            result.completeExceptionally(e);
        }
    }

    private SecretValue toValue(SecretRef ref, KeyVaultSecret secret) {
        SecretProperties properties = secret.getProperties();
        if (Boolean.FALSE.equals(properties.isEnabled())) {
            throw new SecretDisabledException(ref.name(), name);
        }
        Instant now = clock.instant();
        OffsetDateTime expires = properties.getExpiresOn();
        // exp is "the time on or after which the secret must not be retrieved"
        if (expires != null && !now.isBefore(expires.toInstant())) {
            throw new SecretExpiredException(ref.name(), name, expires.toInstant());
        }
        OffsetDateTime notBefore = properties.getNotBefore();
        if (notBefore != null && now.isBefore(notBefore.toInstant())) {
            throw new SecretNotYetValidException(ref.name(), name, notBefore.toInstant());
        }
        String version = properties.getVersion();
        if (version == null || !VERSION.matcher(version).matches()) {
            throw new SecretBackendException("Key Vault answered secret '" + ref.name() + "' without a version id");
        }
        if (ref.version() != null && !ref.version().equalsIgnoreCase(version)) {
            throw new SecretBackendException("Key Vault answered secret '" + ref.name() + "' at version " + version
                    + " when " + ref.version() + " was asked for");
        }
        if (secret.getValue() == null) {
            throw new SecretBackendException("Key Vault answered secret '" + ref.name() + "' without a value");
        }
        return new SecretValue(ref.name(), secret.getValue(), version, name, type);
    }

    /** Maps what the SDK failed with; keeps no cause, as one could hold part of a response body. */
    private SecretBackendException failure(SecretRef ref, Throwable error, Call call) {
        if (error instanceof TimeoutException) {
            return unavailable(ref, (call.awaitingToken ? "no token from the credential within " : "no answer from Key Vault within ")
                    + timeout.toMillis() + "ms", null, null);
        }
        if (error instanceof HttpResponseException http && http.getResponse() != null) {
            return answered(ref, http);
        }
        if (error instanceof TokenUnavailableException token) {
            return unavailable(ref, "cannot get a token for Key Vault (" + token.getMessage() + ")", null, null);
        }
        if (error instanceof ClientAuthenticationException) {
            return unavailable(ref, "cannot get a token for Key Vault ("
                    + AzureCredentials.firstLine(error.getMessage()) + ")", null, null);
        }
        // No cause is kept from here on: a parser's message quotes the answer it choked on,
        // which holds the value, and an IOException may be one (azure-json's parse errors are).
        Throwable root = error instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : error;
        String kind = root.getClass().getSimpleName();
        log.debug("backend '{}': secret '{}' failed with {}", name, ref.name(), root.getClass().getName());
        if (kind.contains("Json") || kind.contains("Pars")) {
            return unavailable(ref, "unreadable answer from Key Vault (" + kind + ")", null, null);
        }
        if (root instanceof IOException) {
            return unavailable(ref, "cannot reach Key Vault (" + kind + ")", null, null);
        }
        return unavailable(ref, "Key Vault call failed (" + kind + ")", null, null);
    }

    private SecretBackendException answered(SecretRef ref, HttpResponseException http) {
        int status = http.getResponse().getStatusCode();
        KeyVaultError error = KeyVaultError.of(http);
        if (status == 404 && error.is("SecretNotFound", "NotFound")) {
            return new SecretNotFoundException(ref.name(), name);
        }
        if (status == 403 && error.is("SecretDisabled")) {
            return new SecretDisabledException(ref.name(), name);
        }
        Duration retryAfter = KeyVaultRetry.retryAfter(http.getResponse().getHeaders(), clock).orElse(null);
        String reason = switch (status) {
            // the gateway's own identity, not the device, lacks access: an operator must grant it
            case 403 -> "Key Vault refused the gateway's identity (403 " + error + "): grant it 'get' on secrets";
            case 401 -> "Key Vault did not accept the gateway's token (401 " + error + ")";
            case 429 -> "Key Vault is throttling (429 " + error + ")";
            case 502 -> error.is("UnreadableAnswer") ? "unreadable answer from Key Vault" : "Key Vault answered 502 " + error;
            default -> "Key Vault answered " + status + " " + error;
        };
        return unavailable(ref, reason, retryAfter, null);
    }

    private SecretUnavailableException unavailable(SecretRef ref, String reason, Duration retryAfter, Throwable cause) {
        return new SecretUnavailableException(ref.name(), name, reason, retryAfter, cause);
    }

    @Override
    public String toString() {
        return "KeyVaultBackend[name=" + name + ", vault=" + vault + "]";
    }

    /** One read in flight, as far as its failure message needs to know. */
    private static final class Call {
        /** Set while the credential works on a token, so a timeout then names the credential. */
        volatile boolean awaitingToken;
    }

    /**
     * The credential, with its failures told apart from the vault's: an unreachable token
     * endpoint is otherwise a bare ConnectException, reported as "cannot reach Key Vault", and
     * retried by the vault's retry policy on top of the credential's own retries.
     */
    private record TokenFailures(TokenCredential credential) implements TokenCredential {
        @Override
        public Mono<AccessToken> getToken(TokenRequestContext request) {
            return Mono.deferContextual(context -> {
                Call call = context.getOrDefault(Call.class, null);
                if (call != null) {
                    call.awaitingToken = true;
                }
                // not on cancel: a timeout cancels first, and its message must still see the wait
                return credential.getToken(request)
                        .doOnSuccess(token -> done(call))
                        .doOnError(error -> done(call))
                        .onErrorMap(e -> !(e instanceof TokenUnavailableException), TokenUnavailableException::new);
            });
        }

        private static void done(Call call) {
            if (call != null) {
                call.awaitingToken = false;
            }
        }

        @Override
        public AccessToken getTokenSync(TokenRequestContext request) {
            try {
                return credential.getTokenSync(request);
            } catch (TokenUnavailableException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new TokenUnavailableException(e);
            }
        }
    }

    /**
     * The credential could not give a token. Keeps the failure's type and first line only:
     * azure-identity's messages name the credential and the identity provider's error code.
     */
    static final class TokenUnavailableException extends RuntimeException {
        TokenUnavailableException(Throwable failure) {
            super(failure.getClass().getSimpleName() + ": " + AzureCredentials.firstLine(failure.getMessage()), null,
                    false, false);
        }
    }
}
