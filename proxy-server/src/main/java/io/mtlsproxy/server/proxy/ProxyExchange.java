package io.mtlsproxy.server.proxy;

import io.mtlsproxy.core.error.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied request on a device connection: picks a target, borrows a connection to it on the
 * device connection's event loop, sends the rewritten head and streams the body up, streams the
 * response back, and gives the connection back to the pool. Everything runs on that one event loop.
 *
 * <p>Backpressure both ways: neither connection reads automatically; each side is read only
 * while the other side can take what is read (AUTO_READ off, read on read-complete while the
 * peer is writable, else on its writability change). Nothing is aggregated, so a body of any size
 * passes through a few buffers at a time.
 *
 * <p>Failures: before a response head went to the device, an attempt that never reached the
 * upstream (connect failure, or a pooled connection found closed) is retried for idempotent
 * methods; otherwise the device gets 502 {@code upstream_unavailable} or 504
 * {@code upstream_timeout} as JSON. Once a response head went down, a failure can only close
 * the device's connection, which tells its client the response is incomplete.
 *
 * <p>A 101 answer to an upgrade request (WebSocket) turns both connections into a raw byte relay
 * until either side closes. A route whose upstream speaks h2 refuses upgrades (501
 * {@code upgrade_not_supported}): HTTP/2 has none.
 *
 * <p>Towards an h2 upstream the exchange is one stream of a shared connection, seen through the
 * same HTTP objects; backpressure is the stream's (its writability follows the flow-control
 * window, and its reads give the window back). A stream the upstream did not process (GOAWAY
 * above it, REFUSED_STREAM) is retried like a connect failure.
 */
public final class ProxyExchange implements UpstreamListener {
    private static final Logger log = LoggerFactory.getLogger(ProxyExchange.class);
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE);

    /** What the exchange tells the HTTP handler that started it; called on the device connection's event loop. */
    public interface Owner {
        /** Nothing went to the device yet: answer it with this error. */
        void failed(ErrorCode code);

        /**
         * The response went to the device in full, or the relay or the connection ended.
         *
         * @param status the upstream's status
         * @param keepAlive whether the device's connection may carry another request
         */
        void completed(int status, boolean keepAlive);
    }

    private final ChannelHandlerContext ctx;
    private final ProxyRoute route;
    private final HttpRequest upstreamHead;
    private final HttpMethod method;
    private final boolean upgradeRequested;
    private final boolean downstreamKeepAlive;
    private final String requestId;
    private final Owner owner;

    private final ArrayDeque<HttpContent> queued = new ArrayDeque<>(4);
    private final List<UpstreamTarget> tried = new ArrayList<>(2);
    private UpstreamTarget target;
    private UpstreamConnections.Lease lease;
    private int attempts;
    private boolean requestComplete;    // the device's request has been received in full
    private boolean requestSent;        // ... and written upstream in full
    private boolean bodySent;           // a body byte went upstream: the request cannot be replayed
    private boolean responseStarted;    // a response head went to the device
    private boolean skippingInformational;
    private boolean upstreamKeepAlive;
    private boolean relaying;
    private boolean waitingForUpstream; // the upstream connection is not writable: the device is not read
    private boolean waitingForDevice;   // the device connection is not writable: the upstream is not read
    private boolean done;
    private int status;
    private ScheduledFuture<?> headerTimer;

    /**
     * @param ctx the device connection's HTTP handler context; responses are written through it
     * @param upstreamHead the head to send, already rewritten (headers, path)
     * @param downstreamKeepAlive whether the device's connection may stay open after this exchange
     */
    public ProxyExchange(ChannelHandlerContext ctx, ProxyRoute route, HttpRequest upstreamHead, boolean downstreamKeepAlive,
            String requestId, Owner owner) {
        this.ctx = ctx;
        this.route = route;
        this.upstreamHead = upstreamHead;
        this.method = upstreamHead.method();
        this.upgradeRequested = ForwardedRequest.isUpgrade(upstreamHead);
        this.downstreamKeepAlive = downstreamKeepAlive;
        this.requestId = requestId;
        this.owner = owner;
    }

    /** Starts the first attempt. */
    public void start() {
        if (upgradeRequested && route.connections().multiplexed()) {
            // HTTP/2 has no Upgrade (RFC 9113 8.2.2) and this route's connections may all be HTTP/2
            fail(ErrorCode.UPGRADE_NOT_SUPPORTED, "protocol upgrade requested on an h2 upstream");
            return;
        }
        attempt();
    }

    public boolean isDone() {
        return done;
    }

    /** The upstream's status once a response head went to the device, else 0. */
    public int status() {
        return responseStarted ? status : 0;
    }

    /** The target of the current or last attempt, for the audit line; null before the first. */
    public String target() {
        return target == null ? null : target.toString();
    }

    private void attempt() {
        UpstreamTarget next = route.upstream().pick(tried);
        if (next == null) {
            next = route.upstream().pick(List.of()); // every target tried once: a retry may go to one again
        }
        target = next;
        tried.add(next);
        attempts++;
        next.started();
        UpstreamTarget attempted = next;
        route.connections().acquire(next, ctx.channel()).addListener((Future<UpstreamConnections.Lease> acquired) -> {
            if (done) {
                attempted.finished();
                if (acquired.isSuccess()) {
                    route.connections().release(acquired.getNow(), true); // nothing was written on it
                }
                return;
            }
            if (!acquired.isSuccess()) {
                attempted.finished();
                route.upstream().connectFailed(attempted, acquired.cause());
                if (mayRetry()) {
                    log.debug("upstream connect failed route={} target={}, retrying: {}", route.name(), attempted,
                            acquired.cause().toString());
                    attempt();
                    return;
                }
                boolean timeout = acquired.cause() instanceof ConnectTimeoutException
                        || acquired.cause() instanceof SslHandshakeTimeoutException;
                fail(timeout ? ErrorCode.UPSTREAM_TIMEOUT : ErrorCode.UPSTREAM_UNAVAILABLE,
                        "connect failed: " + acquired.cause().getClass().getSimpleName());
                return;
            }
            UpstreamConnections.Lease connection = acquired.getNow();
            if (!connection.reused()) {
                route.upstream().connected(attempted);
            }
            connected(connection);
        });
    }

    /** Another attempt is allowed: an idempotent method, retries left, and nothing of the body sent. */
    private boolean mayRetry() {
        return IDEMPOTENT.contains(method) && attempts <= route.retries() && !bodySent;
    }

    private void connected(UpstreamConnections.Lease connection) {
        lease = connection;
        connection.relay().attach(this);
        Channel upstream = connection.channel();
        upstreamHead.headers().set(HttpHeaderNames.HOST, target.authority());
        // a stream gets a copy without the connection-specific headers HTTP/2 forbids; the head may yet go to an HTTP/1.1 retry
        HttpRequest head = connection.multiplexed() ? ForwardedRequest.forHttp2(upstreamHead) : upstreamHead;
        upstream.write(head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        if (requestSent) {
            upstream.write(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            armHeaderTimer(); // a replayed bodiless request
        }
        HttpContent content;
        while ((content = queued.poll()) != null) {
            send(content);
        }
        upstream.flush();
        upstream.read(); // the response, or the upstream's close
        if (!requestComplete && upstream.isWritable()) {
            ctx.read();
        }
    }

    /** Content of the device's request, in order; the exchange owns it. */
    public void requestContent(HttpContent content) {
        if (done) {
            content.release();
            return;
        }
        if (content instanceof LastHttpContent) {
            requestComplete = true;
        }
        if (lease == null) {
            queued.add(content);
            return;
        }
        send(content);
        lease.channel().flush();
    }

    private void send(HttpContent content) {
        Channel upstream = lease.channel();
        if (content.content().isReadable()) {
            bodySent = true;
        }
        boolean last = content instanceof LastHttpContent;
        upstream.write(content).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        if (last) {
            requestSent = true;
            armHeaderTimer();
        } else if (!upstream.isWritable()) {
            waitingForUpstream = true;
        }
    }

    /** Raw bytes from the device once relaying (after a 101); the exchange owns them. */
    public void relayFromDevice(ByteBuf bytes) {
        if (done || lease == null) {
            bytes.release();
            return;
        }
        Channel upstream = lease.channel();
        upstream.writeAndFlush(bytes).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        if (!upstream.isWritable()) {
            waitingForUpstream = true;
        }
    }

    /** The device connection's read batch ended: read on while the upstream can take more. */
    public void deviceReadComplete() {
        if (!done && lease != null && !waitingForUpstream && (relaying || !requestComplete)) {
            ctx.read();
        }
    }

    public void deviceWritabilityChanged(boolean writable) {
        if (writable && waitingForDevice && !done && lease != null) {
            waitingForDevice = false;
            lease.channel().read();
        }
    }

    /** The device's connection closed: the exchange ends with it. */
    public void deviceClosed() {
        if (done) {
            return;
        }
        abandonUpstream();
        // an attempt still connecting sees done and gives its connection back
    }

    /** Ends the exchange before its upstream finished: its connection is closed, never pooled again. */
    private void abandonUpstream() {
        done = true;
        cancelHeaderTimer();
        releaseQueued();
        if (lease != null) {
            lease.relay().detach();
            lease.channel().close();
            target.finished();
        }
    }

    private void armHeaderTimer() {
        if (headerTimer == null && !responseStarted && !relaying) {
            headerTimer = ctx.executor().schedule(() -> {
                headerTimer = null;
                if (!done && !responseStarted) {
                    fail(ErrorCode.UPSTREAM_TIMEOUT, "no response head within "
                            + route.timeouts().responseHeader().toMillis() + "ms");
                }
            }, route.timeouts().responseHeader().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void cancelHeaderTimer() {
        if (headerTimer != null) {
            headerTimer.cancel(false);
            headerTimer = null;
        }
    }

    @Override
    public void upstreamRead(Object msg) {
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (relaying) {
            if (msg instanceof ByteBuf bytes) {
                toDevice(bytes);
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            upstreamBroken("malformed response: " + object.decoderResult().cause().getClass().getSimpleName());
            return;
        }
        if (msg instanceof HttpResponse response) {
            responseHead(response);
        }
        if (msg instanceof HttpContent content) {
            responseContent(content);
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private void responseHead(HttpResponse response) {
        int code = response.status().code();
        if (code == 101 && upgradeRequested) {
            cancelHeaderTimer();
            status = code;
            responseStarted = true;
            switchToRelay(response);
            return;
        }
        if (code >= 100 && code < 200) {
            skippingInformational = true; // 100 Continue, 103 Early Hints: the final answer follows
            return;
        }
        cancelHeaderTimer();
        status = code;
        responseStarted = true;
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        ctx.write(ForwardedRequest.downstreamHead(response, method, keepsDevice(), requestId));
    }

    /** Whether the device's connection stays open after this response: it asked to, and its request is in. */
    private boolean keepsDevice() {
        return downstreamKeepAlive && requestComplete;
    }

    private void responseContent(HttpContent received) {
        // an HTTP/2 response in one HEADERS frame (or with its body) comes as a FullHttpResponse: its head went down already
        HttpContent content = received instanceof HttpResponse full
                ? new DefaultLastHttpContent(received.content(), ((LastHttpContent) full).trailingHeaders())
                : received;
        boolean last = content instanceof LastHttpContent;
        if (skippingInformational) {
            content.release();
            skippingInformational = !last;
            return;
        }
        if (!responseStarted) {
            content.release();
            return;
        }
        if (last) {
            ctx.writeAndFlush(content).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            responseFinished();
            return;
        }
        toDevice(content);
    }

    private void toDevice(Object message) {
        ctx.writeAndFlush(message).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        if (!ctx.channel().isWritable()) {
            waitingForDevice = true;
        }
    }

    private void responseFinished() {
        done = true;
        cancelHeaderTimer();
        releaseQueued();
        // reusable only when both sides finished cleanly and neither said close
        boolean reusable = upstreamKeepAlive && requestSent;
        lease.relay().detach();
        route.connections().release(lease, reusable);
        target.finished();
        owner.completed(status, keepsDevice());
    }

    @Override
    public void upstreamReadComplete() {
        if (!done && !waitingForDevice && lease != null) {
            lease.channel().read();
        }
    }

    @Override
    public void upstreamWritabilityChanged(boolean writable) {
        if (writable && waitingForUpstream && !done) {
            waitingForUpstream = false;
            ctx.read();
        }
    }

    @Override
    public void upstreamIdle() {
        if (done) {
            return;
        }
        if (!responseStarted) {
            fail(ErrorCode.UPSTREAM_TIMEOUT, "idle for " + route.timeouts().idle().toMillis() + "ms");
        } else {
            upstreamBroken("idle for " + route.timeouts().idle().toMillis() + "ms");
        }
    }

    @Override
    public void upstreamClosed(Throwable cause) {
        if (done) {
            return;
        }
        if (relaying) {
            endRelay();
            return;
        }
        boolean unprocessed = cause instanceof UnprocessedRequestException;
        if (!responseStarted && (lease.reused() || unprocessed) && mayRetry()) {
            // a kept-alive connection the upstream had closed, or an HTTP/2 stream it said it did not process
            // (GOAWAY, REFUSED_STREAM): the request never reached it
            lease = null;
            target.finished();
            log.debug("upstream {} route={} target={}, retrying", unprocessed ? "did not process the request"
                    : "pooled connection closed", route.name(), target);
            attempt();
            return;
        }
        upstreamBroken(cause == null ? "closed by the upstream"
                : unprocessed ? cause.getMessage() : cause.getClass().getSimpleName());
    }

    /** The upstream failed mid-exchange: an error answer if nothing went down yet, else the device's connection closes. */
    private void upstreamBroken(String why) {
        if (!responseStarted) {
            fail(ErrorCode.UPSTREAM_UNAVAILABLE, why);
            return;
        }
        done = true;
        cancelHeaderTimer();
        releaseQueued();
        lease.relay().detach();
        lease.channel().close();
        target.finished();
        log.info("upstream failed mid-response route={} target={} requestId={} status={} reason={}; closing the device's "
                + "connection", route.name(), target, requestId, status, why);
        ctx.close();
        owner.completed(status, false);
    }

    private void fail(ErrorCode code, String why) {
        abandonUpstream();
        log.info("upstream request failed route={} target={} requestId={} code={} reason={}", route.name(), target,
                requestId, code.code(), why);
        owner.failed(code);
    }

    private void releaseQueued() {
        HttpContent content;
        while ((content = queued.poll()) != null) {
            content.release();
        }
    }

    /**
     * 101: the device gets the upstream's answer, then both connections drop their HTTP codecs
     * and carry bytes as they come. The upstream's codec goes first, so bytes the device sends
     * right after its 101 can no longer meet an HTTP encoder.
     */
    private void switchToRelay(HttpResponse response) {
        relaying = true;
        skippingInformational = true; // the 101's empty LastHttpContent, still decoded by the codec
        ChannelPipeline upstream = lease.channel().pipeline();
        removeIfPresent(upstream, upstream.get(HttpClientCodec.class));
        ctx.writeAndFlush(ForwardedRequest.downstreamHead(response, method, true, requestId))
                .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        ChannelPipeline device = ctx.pipeline();
        removeIfPresent(device, device.get("request-start"));
        removeIfPresent(device, device.get("request-head-timeout"));
        removeIfPresent(device, device.get(HttpServerExpectContinueHandler.class));
        removeIfPresent(device, device.get(HttpServerCodec.class));
        log.debug("upgraded route={} target={} requestId={}: relaying bytes", route.name(), target, requestId);
        lease.channel().read();
        ctx.read();
    }

    private static void removeIfPresent(ChannelPipeline pipeline, ChannelHandler handler) {
        if (handler != null) {
            pipeline.remove(handler);
        }
    }

    private void endRelay() {
        done = true;
        lease.relay().detach();
        lease.channel().close();
        target.finished();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        owner.completed(HttpResponseStatus.SWITCHING_PROTOCOLS.code(), false);
    }

    /** While relaying, the device closed: close the upstream too. Same as {@link #deviceClosed}. */
    public boolean isRelaying() {
        return relaying;
    }
}
