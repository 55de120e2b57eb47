package io.mtlsproxy.server.http;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtlsproxy.core.error.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;

/** JSON responses. Every response is {@code no-store}: secrets must not sit in any HTTP cache. */
final class Responses {
    static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    private static final AsciiString JSON = AsciiString.cached("application/json; charset=utf-8");
    private static final AsciiString NO_STORE = AsciiString.cached("no-store");
    private static final AsciiString X_CONTENT_TYPE_OPTIONS = AsciiString.cached("x-content-type-options");
    private static final AsciiString NOSNIFF = AsciiString.cached("nosniff");
    static final AsciiString X_SECRET_STALE = AsciiString.cached("x-secret-stale");
    private static final AsciiString TRUE = AsciiString.cached("true");
    /**
     * The gateway's own header names are constants, checked once by reading them: validating each
     * name again on every response cost a fifth of building it. Values are still validated.
     */
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withNameValidation(false);
    private static final JsonFactory JSON_FACTORY = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper(JSON_FACTORY);

    private Responses() {}

    /**
     * {@code {"name","value","version","backend"}} with its {@code ETag}, marked when stale.
     *
     * @param encodedBody the secret's JSON, encoded once per cached value ({@link SecretBodies}); copied, not kept
     */
    static FullHttpResponse secret(ByteBufAllocator alloc, RequestContext request, byte[] encodedBody, String etag,
            boolean stale) {
        ByteBuf body = alloc.buffer(encodedBody.length);
        body.writeBytes(encodedBody);
        FullHttpResponse response = response(HttpResponseStatus.OK, request, body);
        response.headers().set(HttpHeaderNames.ETAG, etag);
        markStale(response, stale);
        return response;
    }

    /**
     * {@code 304 Not Modified}: the client's {@code If-None-Match} names the current version. No
     * body, the same {@code ETag} and cache headers as the 200 it stands for.
     */
    static FullHttpResponse notModified(RequestContext request, String etag, boolean stale) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED,
                Unpooled.EMPTY_BUFFER, HEADERS, DefaultHttpHeadersFactory.trailersFactory());
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.ETAG, etag);
        headers.set(HttpHeaderNames.CACHE_CONTROL, NO_STORE);
        headers.set(X_CONTENT_TYPE_OPTIONS, NOSNIFF);
        headers.set(X_REQUEST_ID, request.requestId());
        markStale(response, stale);
        return response;
    }

    /** {@code X-Secret-Stale: true} on an answer served from the last good value of a failing backend. */
    static void markStale(FullHttpResponse response, boolean stale) {
        if (stale) {
            response.headers().set(X_SECRET_STALE, TRUE);
        }
    }

    /** {@code {"error":{"code","message","requestId"}}}. */
    static FullHttpResponse error(ByteBufAllocator alloc, RequestContext request, ErrorCode code, String message,
            Duration retryAfter) {
        ByteBuf body = alloc.buffer(128);
        try (JsonGenerator json = generator(body)) {
            json.writeStartObject();
            json.writeObjectFieldStart("error");
            json.writeStringField("code", code.code());
            json.writeStringField("message", message == null ? code.defaultMessage() : message);
            json.writeStringField("requestId", request.requestId());
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException | RuntimeException e) {
            body.release();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        FullHttpResponse response = response(HttpResponseStatus.valueOf(code.status()), request, body);
        if (retryAfter != null) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Math.max(1, retryAfter.toSeconds()));
        }
        return response;
    }

    /** Any JSON object, for the origin route's shapes. */
    static FullHttpResponse object(ByteBufAllocator alloc, RequestContext request, int status, Map<String, ?> object) {
        ByteBuf body = alloc.buffer(512);
        try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
            MAPPER.writeValue((java.io.OutputStream) out, object);
        } catch (IOException | RuntimeException e) {
            body.release();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        return response(HttpResponseStatus.valueOf(status), request, body);
    }

    private static JsonGenerator generator(ByteBuf body) throws IOException {
        return JSON_FACTORY.createGenerator((java.io.OutputStream) new ByteBufOutputStream(body), JsonEncoding.UTF8);
    }

    private static FullHttpResponse response(HttpResponseStatus status, RequestContext request, ByteBuf body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body, HEADERS,
                DefaultHttpHeadersFactory.trailersFactory());
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.CONTENT_TYPE, JSON);
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        headers.set(HttpHeaderNames.CACHE_CONTROL, NO_STORE);
        headers.set(X_CONTENT_TYPE_OPTIONS, NOSNIFF);
        headers.set(X_REQUEST_ID, request.requestId());
        return response;
    }
}
