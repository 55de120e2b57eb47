package io.mtlsproxy.policy.revocation;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeoutException;

/**
 * GET and POST with the JDK client, bounded in time (the whole exchange, body included) and in
 * size (the body is refused as soon as it passes the limit, whatever Content-Length says).
 */
final class HttpFetcher {
    private final HttpClient client;

    HttpFetcher(HttpClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** A client whose work runs on the executor; redirects followed except https to http. */
    static HttpClient newClient(Executor executor, Duration connectTimeout) {
        return HttpClient.newBuilder()
                .executor(executor)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    CompletableFuture<byte[]> get(URI uri, Duration timeout, long maxBytes) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        return send(request, timeout, maxBytes);
    }

    CompletableFuture<byte[]> post(URI uri, String contentType, String accept, byte[] body, Duration timeout, long maxBytes) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", contentType)
                .header("Accept", accept)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return send(request, timeout, maxBytes);
    }

    /** Blocking GET for background threads: the body, or an IOException naming what went wrong. */
    byte[] getBlocking(URI uri, Duration timeout, long maxBytes) throws IOException, InterruptedException {
        try {
            return get(uri, timeout, maxBytes).get();
        } catch (ExecutionException e) {
            throw new IOException(describe(e.getCause()), e.getCause());
        }
    }

    private CompletableFuture<byte[]> send(HttpRequest request, Duration timeout, long maxBytes) {
        CompletableFuture<HttpResponse<byte[]>> exchange =
                client.sendAsync(request, info -> info.statusCode() == 200
                        ? new LimitedBody(maxBytes)
                        : HttpResponse.BodySubscribers.replacing(null));
        return exchange
                .orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .whenComplete((response, failure) -> {
                    if (failure != null) {
                        exchange.cancel(true);
                    }
                })
                .thenApply(response -> {
                    if (response.statusCode() != 200) {
                        throw new CompletionException(new IOException("HTTP " + response.statusCode() + " from " + request.uri()));
                    }
                    return response.body();
                });
    }

    /** A short, operator-readable account of a failed exchange. */
    static String describe(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof TimeoutException || cause instanceof java.net.http.HttpTimeoutException) {
            return "timed out";
        }
        if (cause instanceof java.net.ConnectException) {
            return "connection refused or unreachable";
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }

    /** Collects the body, cancelling the exchange once it passes the limit. */
    private static final class LimitedBody implements BodySubscriber<byte[]> {
        private final long maxBytes;
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final List<ByteBuffer> parts = new ArrayList<>();
        private Flow.Subscription subscription;
        private long size;

        LimitedBody(long maxBytes) {
            this.maxBytes = maxBytes;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                size += item.remaining();
                if (size > maxBytes) {
                    subscription.cancel();
                    body.completeExceptionally(new IOException("response larger than " + maxBytes + " bytes"));
                    return;
                }
                parts.add(item);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            body.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            byte[] bytes = new byte[(int) size];
            int at = 0;
            for (ByteBuffer part : parts) {
                int length = part.remaining();
                part.get(bytes, at, length);
                at += length;
            }
            parts.clear();
            body.complete(bytes);
        }
    }
}
