package io.mtlsproxy.server.http;

import io.mtlsproxy.core.error.ErrorCode;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.server.ConnectionAttributes;
import io.mtlsproxy.server.logging.RequestMdc;
import io.mtlsproxy.server.limits.RequestLimits;
import io.mtlsproxy.policy.entra.EntraDevice;
import io.mtlsproxy.server.tls.Admission;
import io.mtlsproxy.server.tls.HandshakeFailureLog;
import io.mtlsproxy.server.tls.RouteGuard;
import io.mtlsproxy.policy.AccessDecision;
import io.mtlsproxy.server.proxy.ForwardedRequest;
import io.mtlsproxy.server.proxy.ProxyExchange;
import io.mtlsproxy.server.proxy.ProxyRoute;
import io.mtlsproxy.server.proxy.ProxyRoutes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device API on one connection: {@code GET /v1/secrets/{name}} and the origin route.
 *
 * <p>Requests are answered in order, one at a time (HTTP/1.1 pipelining); while one waits for a
 * backend the socket is not read. Bodies are never needed, so they are counted and dropped,
 * never buffered. The identity comes from the connection, pinned once after the handshake.
 */
public final class GatewayHttpHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(GatewayHttpHandler.class);
    static final String SECRETS_PREFIX = "/v1/secrets/";
    private static final Admission INTERNAL_REFUSAL = new Admission(ErrorCode.INTERNAL_ERROR, null);

    private final HttpSettings settings;
    private final SecretReader reader;
    private final OriginRoute origin;
    private final ActiveRequests active;
    private final RequestObserver observer;
    private final RequestLimits limits;
    private final CallerSource callers;
    private final RequestIds requestIds = new RequestIds();
    private ArrayDeque<Pending> pending; // pipelined requests waiting their turn; made for the first one (rare)

    private final ProxyRoutes proxyRoutes;
    private Pending current;       // request being received (head seen, body not finished)
    private ProxiedRequest receivingProxied; // proxied request whose body is still arriving
    private ProxiedRequest activeProxied;    // proxied request whose exchange runs
    private long bodyBytes;
    private boolean busy;          // a response is being produced
    private boolean closing;
    private String proxyRouteInUse; // the proxy route of the request being answered, for the metrics
    private Caller lastCaller;     // of the last response, for the lockout count
    private String peer;           // the connection's peer address as text: formatted once, not per request

    public GatewayHttpHandler(HttpSettings settings, SecretReader reader, ActiveRequests active) {
        this(settings, reader, active, RequestObserver.NONE, RequestLimits.NONE, ConnectionCaller.INSTANCE);
    }

    /**
     * @param observer told of every response (the metrics)
     * @param limits rate limits and lockout of identities and addresses
     * @param callers who sends each request: the connection's pinned identity, or a forwarded one behind an ingress
     */
    public GatewayHttpHandler(HttpSettings settings, SecretReader reader, ActiveRequests active, RequestObserver observer,
            RequestLimits limits, CallerSource callers) {
        this.callers = callers;
        this.settings = settings;
        this.reader = reader;
        this.origin = settings.origin();
        this.active = active;
        this.observer = observer;
        this.limits = limits;
        this.proxyRoutes = settings.proxy() == null ? ProxyRoutes.NONE : settings.proxy();
    }

    /**
     * A request waiting for its turn: a secret read whose head and body have been read, or a
     * proxied request whose head has been read (its body streams later).
     */
    private record Pending(RequestContext context, Caller caller, HttpMethod method, String uri, ErrorCode early,
            String earlyMessage, String ifNoneMatch, ProxiedRequest proxied) {
        Pending(RequestContext context, HttpMethod method, String uri, ErrorCode early, String earlyMessage) {
            this(context, null, method, uri, early, earlyMessage, null, null);
        }
    }

    /**
     * A request for a proxy route. Its body is not waited for: what arrives before the exchange
     * starts (at most what one read brought, since reading stops at its head) is held here, then
     * handed over; the rest streams straight to the exchange.
     */
    private static final class ProxiedRequest {
        final ProxyRoute route;
        final HttpRequest head;
        final ArrayDeque<HttpContent> early = new ArrayDeque<>(2);
        /** Whether what is left of the body may be read and dropped after a refusal, keeping the connection. */
        final boolean smallBody;
        final long maxDiscarded;
        long discarded;
        boolean complete;
        boolean discard;
        ProxyExchange exchange;
        Runnable auditAbort; // the audit line of an exchange the device walked away from

        ProxiedRequest(ProxyRoute route, HttpRequest head, long maxBodySize) {
            this.route = route;
            this.head = head;
            // a chunked body's size is unknown: it is dropped up to maxBodySize, then the connection closes
            this.smallBody = HttpUtil.getContentLength(head, -1L) <= maxBodySize;
            this.maxDiscarded = maxBodySize;
        }

        /**
         * How to answer a refusal or a failure: on a connection that goes on when the body is in, or
         * small enough to read and drop; otherwise the answer closes the connection.
         */
        RequestContext answer(RequestContext context) {
            releaseEarly(); // the request goes nowhere: what was held of its body is dropped
            if (complete) {
                return context;
            }
            if (smallBody) {
                discard = true;
                return context;
            }
            return closeAfter(context);
        }

        void content(HttpContent content) {
            if (content instanceof LastHttpContent) {
                complete = true;
            }
            if (discard) {
                discarded += content.content().readableBytes();
                content.release();
            } else if (exchange != null) {
                exchange.requestContent(content);
            } else {
                early.add(content);
            }
        }

        void releaseEarly() {
            HttpContent content;
            while ((content = early.poll()) != null) {
                content.release();
            }
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (closing) {
                return;
            }
            if (msg instanceof ByteBuf bytes && activeProxied != null && activeProxied.exchange != null
                    && activeProxied.exchange.isRelaying()) {
                activeProxied.exchange.relayFromDevice(bytes.retain()); // upgraded: raw bytes
                return;
            }
            if (msg instanceof HttpRequest request) {
                onHead(ctx, request);
            }
            if (msg instanceof HttpContent content && receivingProxied != null) {
                onProxiedContent(ctx, content);
            } else if (msg instanceof HttpContent content && current != null) {
                onContent(ctx, content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(ChannelHandlerContext ctx, HttpRequest request) {
        RequestContext context = new RequestContext(
                requestIds.next(request.headers().get(Responses.X_REQUEST_ID)),
                callers.clientAddress(peer(ctx), request),
                request.method().name(),
                request.uri(),
                System.nanoTime(),
                HttpUtil.isKeepAlive(request));
        bodyBytes = 0;
        DecoderResult decoded = request.decoderResult();
        if (decoded.isFailure()) {
            ErrorCode code = decodeError(decoded.cause());
            queue(ctx, new Pending(closeAfter(context), request.method(), request.uri(), code, null));
            return;
        }
        ProxyRoute route = proxyRoutes.isEmpty() ? null : proxyRoutes.match(request.headers().get(HttpHeaderNames.HOST),
                pathOf(request.uri()));
        if (route != null) {
            // the body streams to the upstream (no maxBodySize): read on only as the exchange asks
            ctx.channel().config().setAutoRead(false);
            ProxiedRequest proxied = new ProxiedRequest(route, request, settings.maxBodySize());
            receivingProxied = proxied;
            queue(ctx, new Pending(context, callers.callerOf(ctx.channel(), request), request.method(), request.uri(), null,
                    null, null, proxied));
            return;
        }
        long declared = HttpUtil.getContentLength(request, -1L);
        if (declared > settings.maxBodySize()) {
            queue(ctx, new Pending(closeAfter(context), request.method(), request.uri(), ErrorCode.BODY_TOO_LARGE, null));
            return;
        }
        current = new Pending(context, callers.callerOf(ctx.channel(), request), request.method(), request.uri(), null, null,
                ifNoneMatch(request), null);
    }

    private String peer(ChannelHandlerContext ctx) {
        if (peer == null) {
            peer = HandshakeFailureLog.address(ctx.channel());
        }
        return peer;
    }

    private static String pathOf(String uri) {
        int queryStart = uri.indexOf('?');
        return queryStart < 0 ? uri : uri.substring(0, queryStart);
    }

    /**
     * The body part of a message, retained, as content alone: an HTTP/2 stream's request comes as
     * one FullHttpRequest, whose head the exchange already has (written twice, it would be a second request).
     */
    private static HttpContent bodyPart(HttpContent content) {
        if (!(content instanceof HttpRequest)) {
            return content.retain();
        }
        return content instanceof LastHttpContent last
                ? new DefaultLastHttpContent(content.content().retain(), last.trailingHeaders())
                : new DefaultHttpContent(content.content().retain());
    }

    private void onProxiedContent(ChannelHandlerContext ctx, HttpContent content) {
        if (content.decoderResult().isFailure()) {
            // a broken body cannot be finished towards the upstream: end the connection
            log.info("malformed request body on a proxy route client={}; closing", HandshakeFailureLog.address(ctx.channel()));
            ctx.close();
            return;
        }
        ProxiedRequest proxied = receivingProxied;
        if (content instanceof LastHttpContent) {
            receivingProxied = null;
        }
        proxied.content(bodyPart(content));
        if (proxied.discard && proxied.discarded > proxied.maxDiscarded) {
            log.info("refused request's body over listener.maxBodySize client={}; closing", HandshakeFailureLog.address(ctx.channel()));
            receivingProxied = null;
            closing = true;
            ctx.close();
        }
    }

    private void onContent(ChannelHandlerContext ctx, HttpContent content) {
        if (content.decoderResult().isFailure()) {
            Pending failed = current;
            current = null;
            queue(ctx, new Pending(closeAfter(failed.context()), failed.method(), failed.uri(),
                    decodeError(content.decoderResult().cause()), null));
            return;
        }
        bodyBytes += content.content().readableBytes();
        if (bodyBytes > settings.maxBodySize()) {
            Pending tooLarge = current;
            current = null;
            queue(ctx, new Pending(closeAfter(tooLarge.context()), tooLarge.method(), tooLarge.uri(),
                    ErrorCode.BODY_TOO_LARGE, null));
            return;
        }
        if (content instanceof LastHttpContent) {
            Pending complete = current;
            current = null;
            queue(ctx, complete);
        }
    }

    static RequestContext closeAfter(RequestContext c) {
        return new RequestContext(c.requestId(), c.clientAddress(), c.method(), c.uri(), c.startNanos(), false);
    }

    private static ErrorCode decodeError(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return ErrorCode.URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return ErrorCode.HEADERS_TOO_LARGE;
        }
        if (cause instanceof TooLongFrameException) {
            return ErrorCode.BODY_TOO_LARGE;
        }
        return ErrorCode.BAD_REQUEST;
    }

    private void queue(ChannelHandlerContext ctx, Pending request) {
        if (busy) {
            if (pending == null) {
                pending = new ArrayDeque<>(2);
            }
            pending.add(request);
            ctx.channel().config().setAutoRead(false); // pipelined: stop reading until we catch up
            return;
        }
        dispatch(ctx, request);
    }

    private void dispatch(ChannelHandlerContext ctx, Pending request) {
        busy = true;
        active.started();
        serveWhenAdmitted(ctx, request);
    }

    /**
     * Serves the request once the connection's admission is known: at once for the checks done
     * in the handshake, or when the asynchronous ones (Entra, OCSP) answer, back on this event loop.
     */
    private void serveWhenAdmitted(ChannelHandlerContext ctx, Pending request) {
        // every line logged while this request is handled carries its id, here and in continuations
        String outer = RequestMdc.enter(request.context().requestId(), request.context().clientAddress());
        try {
            serve(ctx, request);
        } finally {
            RequestMdc.restore(outer);
        }
    }

    private void serve(ChannelHandlerContext ctx, Pending request) {
        RequestContext context = request.context();
        lastCaller = request.caller(); // null for a request refused before its head was understood
        if (request.early() != null) {
            respondError(ctx, context, request.early(), request.earlyMessage(), null);
            return;
        }
        if (request.proxied() != null) {
            serveProxied(ctx, request);
            return;
        }
        String uri = request.uri();
        int queryStart = uri.indexOf('?');
        String path = queryStart < 0 ? uri : uri.substring(0, queryStart);
        boolean api = path.startsWith(SECRETS_PREFIX);
        boolean originRoute = !api && origin != null && path.equalsIgnoreCase(settings.originPath());
        String originName = originRoute ? originSecretName(uri) : null;
        if (originRoute && originName == null) {
            // the origin checks the parameter before the certificate, and its clients rely on that order
            write(ctx, context, Responses.object(ctx.alloc(), context, 400, origin.missingName(context)));
            return;
        }
        Caller caller = request.caller();
        CompletableFuture<Admission> admission = caller.admission();
        if (awaiting(ctx, admission, request)) {
            return;
        }
        Admission admitted = outcome(admission);
        if (!admitted.admitted()) {
            refuse(ctx, caller.refusalClosesConnection() ? closeAfter(context) : context, originName, admitted);
            return;
        }
        ClientIdentity identity = caller.identity();
        if (identity == null) {
            // no certificate: audit mode let the connection in, or an ingress forwarded none; nothing is authorized
            refuse(ctx, context, originName, new Admission(ErrorCode.CLIENT_CERTIFICATE_REQUIRED, null));
            return;
        }
        if (!api && !originRoute) {
            respondError(ctx, context, ErrorCode.NOT_FOUND, null, null);
            return;
        }
        RouteGuard guard = api ? settings.apiGuard() : settings.originGuard();
        if (guard != null) {
            CompletableFuture<Admission> route = caller.routeAdmission(guard, ctx.channel(), admitted);
            if (awaiting(ctx, route, request)) {
                return;
            }
            admitted = outcome(route);
            if (!admitted.admitted()) {
                // this route only: the connection may still use the others
                refuse(ctx, context, originName, admitted);
                return;
            }
        }
        EntraDevice device = admitted.entraDevice();
        if (api) {
            if (!HttpMethod.GET.equals(request.method())) {
                respondMethodNotAllowed(ctx, context, "GET");
                return;
            }
            String name = decodeName(path.substring(SECRETS_PREFIX.length()));
            if (refusedByLimits(ctx, context, caller, name)) {
                return;
            }
            String version = queryStart < 0 ? null : versionParameter(uri);
            String ifNoneMatch = request.ifNoneMatch();
            whenRead(ctx, reader.read(identity, name, version), read -> {
                if (!read.isGranted()) {
                    reader.audit(context, identity, name, read);
                    respondError(ctx, context, read.error(), null, read.retryAfter());
                    return;
                }
                // access was granted before this point: a 304 never tells an outsider that a secret exists
                String etag = EntityTags.of(read.secret().version());
                boolean notModified = ifNoneMatch != null && EntityTags.matches(ifNoneMatch, etag);
                reader.audit(context, identity, name, read, notModified);
                write(ctx, context, notModified
                        ? Responses.notModified(context, etag, read.stale())
                        : Responses.secret(ctx.alloc(), context, reader.encodedBody(read.secret()), etag, read.stale()));
            });
        } else {
            if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.POST.equals(request.method())) {
                respondMethodNotAllowed(ctx, context, "GET, POST");
                return;
            }
            String name = originName;
            if (refusedByLimits(ctx, context, caller, name)) {
                return;
            }
            whenRead(ctx, reader.read(identity, name), read -> {
                reader.audit(context, identity, name, read);
                FullHttpResponse response = Responses.object(ctx.alloc(), context, read.status(),
                        origin.answer(context, identity, device, name, read));
                Responses.markStale(response, read.stale());
                if (read.retryAfter() != null) {
                    response.headers().set(HttpHeaderNames.RETRY_AFTER, Math.max(1, read.retryAfter().toSeconds()));
                }
                write(ctx, context, response);
            });
        }
    }

    /**
     * A proxy route's request, once the connection is admitted: the route's guard, then access
     * rules (deny by default), then limits; then the exchange streams it to the upstream.
     */
    private void serveProxied(ChannelHandlerContext ctx, Pending request) {
        RequestContext context = request.context();
        ProxiedRequest proxied = request.proxied();
        ProxyRoute route = proxied.route;
        proxyRouteInUse = route.name();
        Caller caller = request.caller();
        CompletableFuture<Admission> admission = caller.admission();
        if (awaiting(ctx, admission, request)) {
            return;
        }
        Admission connection = outcome(admission);
        if (!connection.admitted()) {
            RequestContext answer = proxied.answer(context);
            respondError(ctx, caller.refusalClosesConnection() ? closeAfter(answer) : answer, connection.refusal(), null,
                    connection.retryAfter());
            return;
        }
        ClientIdentity identity = caller.identity();
        if (identity == null) {
            // no certificate: audit mode let the connection in, or an ingress forwarded none; nothing is authorized
            respondError(ctx, proxied.answer(context), ErrorCode.CLIENT_CERTIFICATE_REQUIRED, null, null);
            return;
        }
        if (!ProxyRoutes.isForwardable(pathOf(request.uri()))) {
            RequestContext answer = proxied.answer(context);
            reader.auditRoute(context, identity, route.name(), null, ErrorCode.BAD_REQUEST, "dot_segment", 400);
            respondError(ctx, answer, ErrorCode.BAD_REQUEST, "the path has a '.' or '..' segment or an encoded separator",
                    null);
            return;
        }
        Admission admitted = connection;
        if (route.guard() != null) {
            CompletableFuture<Admission> routeAdmission = caller.routeAdmission(route.guard(), ctx.channel(), connection);
            if (awaiting(ctx, routeAdmission, request)) {
                return;
            }
            admitted = outcome(routeAdmission);
            if (!admitted.admitted()) {
                RequestContext answer = proxied.answer(context);
                reader.auditRoute(context, identity, route.name(), null, admitted.refusal(), "route_policy",
                        admitted.refusal().status());
                respondError(ctx, answer, admitted.refusal(), null, admitted.retryAfter());
                return;
            }
        }
        AccessDecision access = reader.routeAccess(identity, route.name());
        if (!access.allowed()) {
            RequestContext answer = proxied.answer(context);
            reader.auditRoute(context, identity, route.name(), null, ErrorCode.ROUTE_FORBIDDEN, access.reason(), 403);
            respondError(ctx, answer, ErrorCode.ROUTE_FORBIDDEN, null, null);
            return;
        }
        RequestLimits.Refusal refusal = limits.check(caller.limits(limits, ctx.channel()));
        if (refusal != null) {
            RequestContext answer = proxied.answer(context);
            reader.auditRoute(context, identity, route.name(), null, refusal.code(), refusal.reason(), refusal.code().status());
            respondError(ctx, answer, refusal.code(), null, refusal.retryAfter());
            return;
        }
        HttpRequest head = ForwardedRequest.upstreamHead(proxied.head, route.upstreamUri(request.uri()),
                ForwardedRequest.clientIp(ctx.channel()), context.requestId(), route.identityHeaders()::strips);
        route.identityHeaders().addTo(head, proxied.head, caller, admitted);
        String rule = access.rule();
        ProxyExchange exchange = new ProxyExchange(ctx, route, head, context.keepAlive() && !active.isDraining(),
                context.requestId(), new ProxyExchange.Owner() {
                    @Override
                    public void failed(ErrorCode code) {
                        activeProxied = null;
                        reader.auditRoute(context, identity, route.name(), proxied.exchange.target(), code, rule,
                                code.status());
                        respondError(ctx, proxied.answer(context), code, null, null);
                    }

                    @Override
                    public void completed(int status, boolean keepAlive) {
                        activeProxied = null;
                        reader.auditRoute(context, identity, route.name(), proxied.exchange.target(), null, rule, status);
                        finishProxied(ctx, keepAlive && context.keepAlive(), status);
                    }
                });
        proxied.exchange = exchange;
        proxied.auditAbort = () -> reader.auditRoute(context, identity, route.name(), exchange.target(), null,
                rule + "/device_closed", exchange.status());
        activeProxied = proxied;
        HttpContent content;
        while ((content = proxied.early.poll()) != null) {
            exchange.requestContent(content);
        }
        exchange.start();
    }

    /** After a proxied response went down in full: the bookkeeping of {@link #write}, without a response to write. */
    private void finishProxied(ChannelHandlerContext ctx, boolean keepAlive, int status) {
        observer.proxied(proxyRouteInUse, status);
        proxyRouteInUse = null;
        active.finished();
        busy = false;
        if (!keepAlive || active.isDraining() || !ctx.channel().isActive()) {
            closing = true;
            clearPending();
            // a connection closes once what it was given is written; an HTTP/2 stream ended with its response
            if (ctx.channel().isActive() && (ctx.channel().parent() == null
                    || ctx.channel().parent() instanceof io.netty.channel.ServerChannel)) {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        serveNextOrReadOn(ctx);
    }

    /** A response is out: the next pipelined request's turn, or reading again if nothing waits. */
    private void serveNextOrReadOn(ChannelHandlerContext ctx) {
        Pending next = pending == null ? null : pending.poll();
        if (next != null) {
            dispatch(ctx, next);
        } else if (!ctx.channel().config().isAutoRead() && (receivingProxied == null || receivingProxied.discard)) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void clearPending() {
        if (pending == null) {
            return;
        }
        for (Pending waiting : pending) {
            if (waiting.proxied() != null) {
                waiting.proxied().releaseEarly();
            }
        }
        pending.clear();
    }

    /**
     * Rate limits and lockout, once the route and the secret's name are known and before the read;
     * a refusal is answered 429 and audited as a denial.
     */
    private boolean refusedByLimits(ChannelHandlerContext ctx, RequestContext context, Caller caller, String name) {
        RequestLimits.Refusal refusal = limits.check(caller.limits(limits, ConnectionAttributes.connection(ctx.channel())));
        if (refusal == null) {
            return false;
        }
        reader.audit(context, caller.identity(), name, SecretRead.unavailable(refusal.code(), refusal.reason(), refusal.retryAfter()));
        respondError(ctx, context, refusal.code(), null, refusal.retryAfter());
        return true;
    }

    /**
     * Whether the request must wait for {@code decision} (Entra, OCSP, a route's checks): it is then
     * served again from the start, on this event loop, once the decision is known.
     */
    private boolean awaiting(ChannelHandlerContext ctx, CompletableFuture<Admission> decision, Pending request) {
        if (decision.isDone()) {
            return false;
        }
        decision.whenComplete((ignored, failure) -> ctx.executor().execute(() -> serveWhenAdmitted(ctx, request)));
        return true;
    }

    /** A completed admission; one that failed (a bug, never a refusal) refuses rather than guesses. */
    private static Admission outcome(CompletableFuture<Admission> done) {
        if (done.isCompletedExceptionally()) {
            return INTERNAL_REFUSAL;
        }
        return done.join();
    }

    /** Runs the continuation on this connection's event loop: inline when the read is already done (cache hit). */
    private static void whenRead(ChannelHandlerContext ctx, CompletableFuture<SecretRead> read,
            java.util.function.Consumer<SecretRead> then) {
        if (read.isDone()) {
            then.accept(read.join());
        } else {
            read.whenComplete((result, failure) -> ctx.executor().execute(RequestMdc.propagate(() -> then.accept(
                    failure == null ? result : SecretRead.refused(ErrorCode.INTERNAL_ERROR, "internal_error")))));
        }
    }

    /** The path segment after /v1/secrets/, percent-decoded; a '/' left in it fails name validation. */
    private static String decodeName(String raw) {
        try {
            return QueryStringDecoder.decodeComponent(raw);
        } catch (IllegalArgumentException e) {
            return raw; // malformed escapes: the raw text contains '%', which the name check refuses
        }
    }

    /**
     * The {@code version} query parameter of {@code /v1/secrets/{name}}, null when absent. A
     * repeated or undecodable one becomes an empty version, which the reader refuses (400) like
     * any other invalid version.
     */
    private static String versionParameter(String uri) {
        List<String> values;
        try {
            values = new QueryStringDecoder(uri).parameters().get("version");
        } catch (IllegalArgumentException e) {
            return "";
        }
        if (values == null) {
            return null;
        }
        return values.size() == 1 ? values.get(0) : "";
    }

    /** Every If-None-Match header joined into one list, or null when there is none. */
    private static String ifNoneMatch(HttpRequest request) {
        // get() first: most requests have none, and getAll() builds a list every time
        String first = request.headers().get(HttpHeaderNames.IF_NONE_MATCH);
        if (first == null) {
            return null;
        }
        List<String> values = request.headers().getAll(HttpHeaderNames.IF_NONE_MATCH);
        return values.size() == 1 ? first : String.join(",", values);
    }

    /** The origin's query parameter, matched case-insensitively as Azure Functions does. */
    private static String originSecretName(String uri) {
        Map<String, List<String>> parameters;
        try {
            parameters = new QueryStringDecoder(uri).parameters();
        } catch (IllegalArgumentException e) {
            return null;
        }
        for (Map.Entry<String, List<String>> parameter : parameters.entrySet()) {
            if (parameter.getKey().equalsIgnoreCase("SecretName") && !parameter.getValue().isEmpty()
                    && !parameter.getValue().get(0).isEmpty()) {
                return parameter.getValue().get(0);
            }
        }
        return null;
    }

    /** A caller the policy refused: in the origin's JSON shape on its route, so its clients can read why. */
    /** @param originName the SecretName asked for on the origin's route; null on the other routes */
    private void refuse(ChannelHandlerContext ctx, RequestContext context, String originName, Admission refusal) {
        if (originName == null) {
            respondError(ctx, context, refusal.refusal(), null, refusal.retryAfter());
            return;
        }
        ErrorCode code = refusal.refusal();
        log.info("request refused client={} requestId={} status={} code={}", context.clientAddress(), context.requestId(),
                code.status(), code.code());
        FullHttpResponse response = Responses.object(ctx.alloc(), context, code.status(), origin.refused(context, code, originName));
        if (refusal.retryAfter() != null) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Math.max(1, refusal.retryAfter().toSeconds()));
        }
        write(ctx, context, response);
    }

    private void respondMethodNotAllowed(ChannelHandlerContext ctx, RequestContext context, String allow) {
        FullHttpResponse response = Responses.error(ctx.alloc(), context, ErrorCode.METHOD_NOT_ALLOWED,
                null, null);
        response.headers().set(HttpHeaderNames.ALLOW, allow);
        write(ctx, context, response);
    }

    private void respondError(ChannelHandlerContext ctx, RequestContext context, ErrorCode code, String message,
            java.time.Duration retryAfter) {
        // 403 and 404 are audited; so are 429s, which come in floods and must not flood this log;
        // upstream failures were logged by the exchange, with the target and the cause
        if (code.status() >= 400 && code != ErrorCode.FORBIDDEN && code != ErrorCode.SECRET_NOT_FOUND
                && code != ErrorCode.ROUTE_FORBIDDEN && code != ErrorCode.UPSTREAM_UNAVAILABLE
                && code != ErrorCode.UPSTREAM_TIMEOUT && code.status() != 429) {
            log.info("request refused client={} requestId={} status={} code={}", context.clientAddress(),
                    context.requestId(), code.status(), code.code());
        }
        write(ctx, context, Responses.error(ctx.alloc(), context, code, message, retryAfter));
    }

    private void write(ChannelHandlerContext ctx, RequestContext context, FullHttpResponse response) {
        if (proxyRouteInUse != null) {
            observer.proxied(proxyRouteInUse, response.status().code());
            proxyRouteInUse = null;
        } else {
            observer.responded(context.uri(), response.status().code());
        }
        active.finished();
        busy = false;
        int status = response.status().code();
        if ((status == 401 || status == 403) && lastCaller != null) {
            // refused by policy or access rules: counts towards the lockout
            limits.refused(lastCaller.limits(limits, ConnectionAttributes.connection(ctx.channel())));
        }
        // draining is checked again here: a request admitted before the stop began still closes its connection
        if (!context.keepAlive() || active.isDraining()) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            closing = true;
            clearPending();
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(response, ctx.voidPromise()); // write errors surface in exceptionCaught
        serveNextOrReadOn(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (activeProxied != null && activeProxied.exchange != null) {
            activeProxied.exchange.deviceReadComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (activeProxied != null && activeProxied.exchange != null) {
            activeProxied.exchange.deviceWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ProxiedRequest proxied = activeProxied;
        activeProxied = null;
        if (proxied != null && proxied.exchange != null && !proxied.exchange.isDone()) {
            proxied.exchange.deviceClosed(); // the device went away mid-exchange
            proxied.auditAbort.run();
            active.finished();
            busy = false;
        }
        if (receivingProxied != null) {
            receivingProxied.releaseEarly();
            receivingProxied = null;
        }
        clearPending();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent && !busy) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        HandshakeFailureLog.connectionFailed(ctx, cause, log);
    }
}
