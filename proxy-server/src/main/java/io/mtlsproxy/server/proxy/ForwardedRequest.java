package io.mtlsproxy.server.proxy;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Request and response heads as they cross the gateway: hop-by-hop headers (and those the
 * Connection header names) stay on their hop, identity headers from the device never pass, and
 * the upstream learns where the request came from through X-Forwarded-* and X-Request-Id.
 */
public final class ForwardedRequest {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    private static final AsciiString HTTPS = AsciiString.cached("https");

    /** RFC 9110 7.6.1 and the long-standing extras (Keep-Alive, Proxy-Connection). */
    private static final List<AsciiString> HOP_BY_HOP = List.of(
            HttpHeaderNames.CONNECTION,
            AsciiString.cached("keep-alive"), // HttpHeaderNames.KEEP_ALIVE is deprecated, the header is not
            AsciiString.cached("proxy-connection"),
            HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.PROXY_AUTHORIZATION,
            HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER,
            HttpHeaderNames.TRANSFER_ENCODING,
            HttpHeaderNames.UPGRADE);

    /** What RFC 9113 8.2.2 calls connection-specific: a message with one is malformed in HTTP/2. */
    private static final List<AsciiString> CONNECTION_SPECIFIC = List.of(
            HttpHeaderNames.CONNECTION,
            AsciiString.cached("keep-alive"),
            AsciiString.cached("proxy-connection"),
            HttpHeaderNames.TRANSFER_ENCODING,
            HttpHeaderNames.UPGRADE);
    /** What Netty's HTTP/2 conversion adds (x-http2-stream-id, x-http2-scheme, ...): never a header of the message. */
    private static final String HTTP2_EXTENSION_PREFIX = "x-http2-";

    private ForwardedRequest() {}

    /**
     * The upstream head as an HTTP/2 stream sends it: without connection-specific headers (the
     * body is framed by DATA frames, not Transfer-Encoding), and TE only when it is "trailers".
     */
    static HttpRequest forHttp2(HttpRequest head) {
        HttpRequest out = new DefaultHttpRequest(HttpVersion.HTTP_1_1, head.method(), head.uri());
        HttpHeaders to = out.headers();
        for (Map.Entry<String, String> header : head.headers()) {
            String name = header.getKey();
            boolean specific = false;
            for (AsciiString forbidden : CONNECTION_SPECIFIC) {
                specific |= forbidden.contentEqualsIgnoreCase(name);
            }
            if (HttpHeaderNames.TE.contentEqualsIgnoreCase(name)) {
                specific = !HttpHeaderValues.TRAILERS.contentEqualsIgnoreCase(header.getValue().trim());
            }
            if (!specific) {
                to.add(name, header.getValue());
            }
        }
        return out;
    }

    /**
     * The head to send upstream.
     *
     * The Host header is the target's, set by the exchange for each attempt.
     *
     * @param path the path and query to ask for (after any prefix strip)
     * @param clientIp the device's address (the PROXY header's source behind a balancer), appended to X-Forwarded-For
     * @param requestId the gateway's id of the request
     * @param identityHeader which incoming headers carry an identity (all removed), e.g. IdentityHeaders::isIdentityHeader
     */
    public static HttpRequest upstreamHead(HttpRequest in, String path, String clientIp, String requestId,
            Predicate<String> identityHeader) {
        HttpRequest out = new DefaultHttpRequest(HttpVersion.HTTP_1_1, in.method(), path);
        HttpHeaders from = in.headers();
        HttpHeaders to = out.headers();
        boolean upgrade = isUpgrade(in);
        Set<String> named = connectionTokens(from);
        for (Map.Entry<String, String> header : from) {
            String name = header.getKey();
            if (isHopByHop(name, named) || identityHeader.test(name) || HttpHeaderNames.HOST.contentEqualsIgnoreCase(name)
                    || X_FORWARDED_FOR.contentEqualsIgnoreCase(name) || X_FORWARDED_PROTO.contentEqualsIgnoreCase(name)
                    || X_FORWARDED_HOST.contentEqualsIgnoreCase(name) || X_REQUEST_ID.contentEqualsIgnoreCase(name)) {
                continue;
            }
            to.add(name, header.getValue());
        }
        // appended to what earlier proxies wrote: the device's own X-Forwarded-For is its claim, kept ahead of ours
        List<String> earlier = from.getAll(X_FORWARDED_FOR);
        to.set(X_FORWARDED_FOR, earlier.isEmpty() ? clientIp : String.join(", ", earlier) + ", " + clientIp);
        to.set(X_FORWARDED_PROTO, HTTPS);
        String host = from.get(HttpHeaderNames.HOST);
        if (host != null) {
            to.set(X_FORWARDED_HOST, host);
        }
        to.set(X_REQUEST_ID, requestId);
        if (upgrade) {
            to.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            to.set(HttpHeaderNames.UPGRADE, from.get(HttpHeaderNames.UPGRADE));
        }
        framing(from, to, HttpUtil.isTransferEncodingChunked(in));
        return out;
    }

    /**
     * The response head to send the device: hop-by-hop headers of the upstream's hop removed, the
     * body's framing kept (chunked is re-encoded by this hop's codec), and a close announced when
     * this hop will close.
     *
     * @param method the request's method (a HEAD response has no body, whatever its headers say)
     * @param keepAlive whether the device's connection stays open after this response
     * @param requestId the gateway's id of the request, sent back unless the upstream sent one
     */
    static HttpResponse downstreamHead(HttpResponse in, HttpMethod method, boolean keepAlive, String requestId) {
        HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, in.status());
        HttpHeaders from = in.headers();
        HttpHeaders to = out.headers();
        Set<String> named = connectionTokens(from);
        for (Map.Entry<String, String> header : from) {
            if (!isHopByHop(header.getKey(), named)
                    && !header.getKey().regionMatches(true, 0, HTTP2_EXTENSION_PREFIX, 0, HTTP2_EXTENSION_PREFIX.length())) {
                to.add(header.getKey(), header.getValue());
            }
        }
        if (!to.contains(X_REQUEST_ID)) {
            to.set(X_REQUEST_ID, requestId); // as on the gateway's own answers, so a device can quote it
        }
        if (in.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
            to.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            to.set(HttpHeaderNames.UPGRADE, from.get(HttpHeaderNames.UPGRADE));
            return out;
        }
        boolean bodiless = HttpMethod.HEAD.equals(method) || in.status().code() == 204 || in.status().code() == 304;
        if (!bodiless) {
            // chunked stays chunked; a body the upstream delimited by closing is chunked on this hop
            framing(from, to, HttpUtil.isTransferEncodingChunked(in) || !from.contains(HttpHeaderNames.CONTENT_LENGTH));
        }
        if (!keepAlive) {
            to.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return out;
    }

    /** Whether the request asks to switch protocols (a WebSocket handshake). */
    static boolean isUpgrade(HttpRequest request) {
        return request.headers().contains(HttpHeaderNames.UPGRADE)
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    private static void framing(HttpHeaders from, HttpHeaders to, boolean chunked) {
        if (chunked) {
            to.remove(HttpHeaderNames.CONTENT_LENGTH);
            to.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }

    private static boolean isHopByHop(String name, Set<String> named) {
        for (AsciiString hop : HOP_BY_HOP) {
            if (hop.contentEqualsIgnoreCase(name)) {
                return true;
            }
        }
        return !named.isEmpty() && named.contains(name.toLowerCase(Locale.ROOT));
    }

    /** The header names listed in Connection, lower case. */
    private static Set<String> connectionTokens(HttpHeaders headers) {
        List<String> values = headers.getAll(HttpHeaderNames.CONNECTION);
        if (values.isEmpty()) {
            return Set.of();
        }
        Set<String> tokens = new HashSet<>();
        for (String value : values) {
            for (String token : value.split(",")) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                if (!t.isEmpty()) {
                    tokens.add(t);
                }
            }
        }
        return tokens;
    }

    /** The address of a connection's client, as X-Forwarded-For writes it: the IP alone. */
    public static String clientIp(io.netty.channel.Channel channel) {
        java.net.SocketAddress address = io.mtlsproxy.server.ConnectionAttributes.clientAddress(channel);
        if (address instanceof java.net.InetSocketAddress inet) {
            return inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress();
        }
        return String.valueOf(address);
    }
}
