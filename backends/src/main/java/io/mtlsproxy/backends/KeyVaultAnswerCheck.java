package io.mtlsproxy.backends;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Lets only well-formed secret answers reach the SDK's deserializer. When azure-core fails to
 * read an answer it logs the parser's message at ERROR, and that message quotes the answer,
 * whose {@code value} is the secret: a truncated or garbled 200 (a broken proxy, a cut
 * connection) would put a secret in the log. Here a 200 whose body is not a secret bundle
 * ({@code value} and {@code id} strings, {@code attributes} of the documented types) is replaced
 * by a body-less 502 before the SDK sees it, so it ends as "unavailable" and may be retried.
 */
final class KeyVaultAnswerCheck implements HttpPipelinePolicy {
    /** Parse errors of this mapper never quote their input, and are dropped anyway. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build());
    private static final List<String> TIMES = List.of("exp", "nbf", "created", "updated");

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        return next.process().flatMap(response -> {
            if (response.getStatusCode() != 200) {
                return Mono.just(response);
            }
            HttpResponse buffered = response.buffer();
            return buffered.getBodyAsByteArray()
                    .defaultIfEmpty(new byte[0])
                    .map(body -> isSecretBundle(body) ? buffered : unreadable(buffered));
        });
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
        HttpResponse response = next.processSync();
        if (response.getStatusCode() != 200) {
            return response;
        }
        HttpResponse buffered = response.buffer();
        byte[] body = buffered.getBodyAsBinaryData().toBytes();
        return isSecretBundle(body) ? buffered : unreadable(buffered);
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
        // per try, so that the retry policy sees the 502 and may try again
        return HttpPipelinePosition.PER_RETRY;
    }

    static boolean isSecretBundle(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return false; // its message is never used: it may quote the body
        }
        if (root == null || !root.isObject() || !root.path("value").isTextual() || !root.path("id").isTextual()) {
            return false;
        }
        JsonNode attributes = root.path("attributes");
        if (attributes.isMissingNode()) {
            return true;
        }
        if (!attributes.isObject() || !(attributes.path("enabled").isMissingNode() || attributes.path("enabled").isBoolean())) {
            return false;
        }
        return TIMES.stream().map(attributes::path).allMatch(t -> t.isMissingNode() || t.isNull() || t.isIntegralNumber());
    }

    private static HttpResponse unreadable(HttpResponse original) {
        original.close();
        return new Unreadable(original);
    }

    /** A body-less 502 standing in for an answer that could not be read. */
    private static final class Unreadable extends HttpResponse {
        private static final byte[] BODY = "{\"error\":{\"code\":\"UnreadableAnswer\"}}".getBytes(StandardCharsets.UTF_8);
        private final HttpHeaders headers = new HttpHeaders().set(HttpHeaderName.CONTENT_TYPE, "application/json")
                .set(HttpHeaderName.CONTENT_LENGTH, String.valueOf(BODY.length));

        Unreadable(HttpResponse original) {
            super(original.getRequest());
        }

        @Override
        public int getStatusCode() {
            return 502;
        }

        @Override
        @SuppressWarnings("deprecation")
        public String getHeaderValue(String name) {
            return headers.getValue(name);
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }

        @Override
        public Flux<ByteBuffer> getBody() {
            return Flux.just(ByteBuffer.wrap(BODY));
        }

        @Override
        public Mono<byte[]> getBodyAsByteArray() {
            return Mono.just(BODY.clone());
        }

        @Override
        public Mono<String> getBodyAsString() {
            return Mono.just(new String(BODY, StandardCharsets.UTF_8));
        }

        @Override
        public Mono<String> getBodyAsString(Charset charset) {
            return Mono.just(new String(BODY, charset));
        }
    }
}
