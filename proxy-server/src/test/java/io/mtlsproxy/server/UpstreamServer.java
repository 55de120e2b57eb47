package io.mtlsproxy.server;

import io.mtlsproxy.core.pki.IssuedCertificate;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real upstream for the reverse-proxy tests, on 127.0.0.1: HTTP/1.1 plain or TLS (BoringSSL),
 * optionally requiring a client certificate, or HTTP/2 (h2c by prior knowledge, or TLS with ALPN),
 * each stream served like an HTTP/1.1 exchange. It records every request head and counts the
 * connections it accepts and the HTTP/2 streams opened. Paths:
 *
 * <ul>
 *   <li>{@code /…/sink}: reads the body as it streams (never holds it) and answers {@code received=N}
 *   <li>{@code /…/source?bytes=N}: answers N bytes, streamed with backpressure
 *   <li>{@code /…/chunked}: a chunked answer in three chunks
 *   <li>{@code /…/slow}: never answers
 *   <li>{@code /…/close}: answers a head and part of a body, then closes
 *   <li>{@code /…/no-content}: 204
 *   <li>{@code /…/ws}: a WebSocket that echoes text frames
 *   <li>{@code /…/gate?n=N}: held until N such requests wait, then all answered {@code gated}
 *   <li>{@code /…/goaway} (HTTP/2): after {@link #goAwayOn}, a GOAWAY that leaves the stream unprocessed
 *   <li>{@code /…/refuse} (HTTP/2): after {@link #goAwayOn}, RST_STREAM REFUSED_STREAM
 *   <li>anything else: 200 {@code hello from NAME}, with hop-by-hop headers the gateway must drop
 * </ul>
 */
final class UpstreamServer implements AutoCloseable {
    /** What one request looked like when it arrived. */
    record Received(HttpMethod method, String uri, HttpHeaders headers, String clientCertificateSubject) {}

    final String name;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    private final io.netty.channel.group.ChannelGroup open =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);

    /** What the server speaks: HTTP/1.1, HTTP/2 by prior knowledge (h2c), or what ALPN picks over TLS. */
    private enum Mode { HTTP1, H2C, ALPN }

    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicInteger goAways = new AtomicInteger();
    private final ConcurrentLinkedQueue<List<String>> wireHeaders = new ConcurrentLinkedQueue<>();
    private final List<Runnable> gated = new java.util.ArrayList<>();
    private final SslContext tls; // reference-counted (leak-tracked in tests): released on close

    private UpstreamServer(String name, SslContext tls, int port) throws InterruptedException {
        this(name, tls, port, Mode.HTTP1, 0);
    }

    private UpstreamServer(String name, SslContext tls, int port, Mode mode, long maxConcurrentStreams)
            throws InterruptedException {
        this.name = name;
        this.tls = tls;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        connections.incrementAndGet();
                        open.add(channel);
                        if (tls != null) {
                            channel.pipeline().addLast("tls", tls.newHandler(channel.alloc()));
                        }
                        if (mode == Mode.H2C) {
                            addHttp2(channel.pipeline(), maxConcurrentStreams);
                        } else if (mode == Mode.ALPN) {
                            channel.pipeline().addLast("alpn", new ApplicationProtocolNegotiationHandler(
                                    ApplicationProtocolNames.HTTP_1_1) {
                                @Override
                                protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                                    if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                                        addHttp2(ctx.pipeline(), maxConcurrentStreams);
                                    } else {
                                        addHttp1(ctx.pipeline());
                                    }
                                }
                            });
                        } else {
                            addHttp1(channel.pipeline());
                        }
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
    }

    private void addHttp1(io.netty.channel.ChannelPipeline pipeline) {
        pipeline.addLast("http", new HttpServerCodec());
        pipeline.addLast("chunked", new ChunkedWriteHandler());
        pipeline.addLast("app", new Handler());
    }

    /** HTTP/2: each stream is an HTTP/1-style exchange with the same handler as on HTTP/1.1. */
    private void addHttp2(io.netty.channel.ChannelPipeline pipeline, long maxConcurrentStreams) {
        Http2Settings settings = Http2Settings.defaultSettings();
        if (maxConcurrentStreams > 0) {
            settings.maxConcurrentStreams(maxConcurrentStreams);
        }
        pipeline.addLast("h2", Http2FrameCodecBuilder.forServer().initialSettings(settings).build());
        pipeline.addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                streams.incrementAndGet();
                stream.pipeline().addLast("wire", new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof io.netty.handler.codec.http2.Http2HeadersFrame frame) {
                            List<String> names = new java.util.ArrayList<>();
                            frame.headers().names().forEach(n -> names.add(n.toString()));
                            wireHeaders.add(names);
                        }
                        ctx.fireChannelRead(msg);
                    }
                });
                stream.pipeline().addLast("http", new Http2StreamFrameToHttpObjectCodec(true));
                stream.pipeline().addLast("chunked", new ChunkedWriteHandler());
                stream.pipeline().addLast("app", new Handler());
            }
        }));
    }

    /** Prior-knowledge HTTP/2 without TLS (h2c), with the server's SETTINGS_MAX_CONCURRENT_STREAMS (0: Netty's default). */
    static UpstreamServer h2c(String name, long maxConcurrentStreams) throws InterruptedException {
        return new UpstreamServer(name, null, 0, Mode.H2C, maxConcurrentStreams);
    }

    /** TLS (BoringSSL) whose ALPN picks from {@code protocols} (h2, http/1.1) what the client offers. */
    static UpstreamServer alpn(String name, IssuedCertificate serverCertificate, String... protocols) throws Exception {
        SslContext tls = SslContextBuilder.forServer(serverCertificate.keyPair().getPrivate(),
                        serverCertificate.presentedChain().toArray(X509Certificate[]::new))
                .sslProvider(SslProvider.OPENSSL_REFCNT)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols))
                .build();
        return new UpstreamServer(name, tls, 0, Mode.ALPN, 0);
    }

    /** The header names of every HTTP/2 HEADERS frame received, as on the wire (before the HTTP/1 conversion). */
    List<List<String>> wireHeaders() {
        return List.copyOf(wireHeaders);
    }

    /** HTTP/2 streams opened by clients so far. */
    int streamsOpened() {
        return streams.get();
    }

    /**
     * The next {@code count} requests to {@code /…/goaway} (or {@code /…/refuse}: a REFUSED_STREAM) get a GOAWAY whose lastStreamId is below
     * their stream, saying the server did not process them; later ones are answered.
     */
    void goAwayOn(int count) {
        goAways.set(count);
    }

    static UpstreamServer http(String name) throws InterruptedException {
        return new UpstreamServer(name, null, 0);
    }

    /** On a given port, e.g. one a test saw refused before. */
    static UpstreamServer http(String name, int port) throws InterruptedException {
        return new UpstreamServer(name, null, port);
    }

    /**
     * @param clientCa when set, a client certificate issued by it is required
     */
    static UpstreamServer https(String name, IssuedCertificate serverCertificate, X509Certificate clientCa) throws Exception {
        SslContextBuilder builder = SslContextBuilder.forServer(serverCertificate.keyPair().getPrivate(),
                serverCertificate.presentedChain().toArray(X509Certificate[]::new)).sslProvider(SslProvider.OPENSSL_REFCNT);
        if (clientCa != null) {
            builder.clientAuth(ClientAuth.REQUIRE).trustManager(clientCa);
        }
        return new UpstreamServer(name, builder.build(), 0);
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    String url() {
        return "http://127.0.0.1:" + port();
    }

    String httpsUrl() {
        return "https://127.0.0.1:" + port();
    }

    int connectionsAccepted() {
        return connections.get();
    }

    /** Closes every accepted connection, as an upstream does when its keep-alive timeout passes. */
    void closeConnections() {
        open.close().syncUninterruptibly();
    }

    /** Connections accepted and still open. */
    int openConnections() {
        return open.size();
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    Received last() {
        List<Received> all = received();
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        io.netty.util.ReferenceCountUtil.release(tls); // after its connections: each engine holds its own reference
    }

    private final class Handler extends SimpleChannelInboundHandler<Object> {
        private HttpRequest request;
        private long bodyBytes;
        private WebSocketServerHandshaker handshaker;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof WebSocketFrame frame) {
                if (frame instanceof TextWebSocketFrame text) {
                    ctx.writeAndFlush(new TextWebSocketFrame("echo: " + text.text()));
                } else if (frame instanceof io.netty.handler.codec.http.websocketx.CloseWebSocketFrame close) {
                    handshaker.close(ctx.channel(), close.retain());
                }
                return;
            }
            if (msg instanceof HttpRequest head) {
                request = head;
                bodyBytes = 0;
                SslHandler tls = ctx.pipeline().get(SslHandler.class);
                String subject = null;
                if (tls != null) {
                    try {
                        subject = ((X509Certificate) tls.engine().getSession().getPeerCertificates()[0])
                                .getSubjectX500Principal().getName();
                    } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
                        subject = null;
                    }
                }
                received.add(new Received(head.method(), head.uri(), new DefaultHttpHeaders().add(head.headers()), subject));
            }
            if (msg instanceof HttpContent content) {
                bodyBytes += content.content().readableBytes();
                if (content instanceof LastHttpContent) {
                    answer(ctx, request, bodyBytes);
                }
            }
        }

        private void answer(ChannelHandlerContext ctx, HttpRequest head, long bytes) {
            String path = new QueryStringDecoder(head.uri()).path();
            boolean keepAlive = HttpUtil.isKeepAlive(head);
            if (path.endsWith("/slow")) {
                return;
            }
            if (path.endsWith("/goaway") && ctx.channel() instanceof Http2StreamChannel stream
                    && goAways.getAndDecrement() > 0) {
                Channel connection = stream.parent();
                Http2FrameCodec codec = connection.pipeline().get(Http2FrameCodec.class);
                codec.goAway(connection.pipeline().context(codec), Math.max(0, stream.stream().id() - 2),
                        Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, connection.newPromise());
                connection.flush();
                return;
            }
            if (path.endsWith("/refuse") && ctx.channel() instanceof Http2StreamChannel
                    && goAways.getAndDecrement() > 0) {
                ctx.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
                return;
            }
            if (path.endsWith("/gate")) {
                // held until n requests wait here, then all answered: proof that n were in flight at once
                int n = Integer.parseInt(new QueryStringDecoder(head.uri()).parameters().get("n").get(0));
                List<Runnable> release;
                synchronized (gated) {
                    gated.add(() -> text(ctx, keepAlive, HttpResponseStatus.OK, "gated"));
                    if (gated.size() < n) {
                        return;
                    }
                    release = List.copyOf(gated);
                    gated.clear();
                }
                release.forEach(Runnable::run);
                return;
            }
            if (path.endsWith("/ws")) {
                WebSocketServerHandshakerFactory factory = new WebSocketServerHandshakerFactory(
                        "ws://" + head.headers().get(HttpHeaderNames.HOST) + head.uri(), null, false);
                handshaker = factory.newHandshaker(head);
                handshaker.handshake(ctx.channel(), new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
                        Unpooled.EMPTY_BUFFER, head.headers(), new DefaultHttpHeaders()));
                return;
            }
            if (path.endsWith("/sink")) {
                text(ctx, keepAlive, HttpResponseStatus.OK, "received=" + bytes);
                return;
            }
            if (path.endsWith("/no-content")) {
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
                write(ctx, keepAlive, response);
                return;
            }
            if (path.endsWith("/chunked")) {
                HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                HttpUtil.setTransferEncodingChunked(response, true);
                ctx.write(response);
                for (String part : new String[] {"one,", "two,", "three"}) {
                    ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer(part, StandardCharsets.UTF_8)));
                }
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                return;
            }
            if (path.endsWith("/close")) {
                HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 1000);
                ctx.write(response);
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("partial", StandardCharsets.UTF_8)))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (path.endsWith("/source")) {
                long size = Long.parseLong(new QueryStringDecoder(head.uri()).parameters().get("bytes").get(0));
                HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                HttpUtil.setContentLength(response, size);
                ctx.write(response);
                ctx.writeAndFlush(new HttpChunkedInput(new GeneratedBytes(size)));
                return;
            }
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer("hello from " + name, StandardCharsets.UTF_8));
            response.headers().set("x-upstream", name);
            // hop-by-hop headers of the upstream's hop: the gateway must not pass these on
            response.headers().set("keep-alive", "timeout=5");
            response.headers().set("x-upstream-hop", "secret-of-this-hop");
            response.headers().set(HttpHeaderNames.CONNECTION, "x-upstream-hop");
            write(ctx, keepAlive, response);
        }

        private void text(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String body) {
            write(ctx, keepAlive, new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)));
        }

        private void write(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
            HttpUtil.setContentLength(response, response.content().readableBytes());
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(response);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** {@code size} bytes of a repeating pattern, made as they are read: never all in memory. */
    private static final class GeneratedBytes implements ChunkedInput<ByteBuf> {
        private static final int CHUNK = 16 * 1024;
        /** i % 251 for i from 0, long enough for a chunk starting at any phase of the pattern. */
        private static final byte[] PATTERN = pattern();
        private final long size;
        private long produced;

        private static byte[] pattern() {
            byte[] bytes = new byte[CHUNK + 251];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i % 251);
            }
            return bytes;
        }

        GeneratedBytes(long size) {
            this.size = size;
        }

        @Override
        public boolean isEndOfInput() {
            return produced >= size;
        }

        @Override
        public void close() {
        }

        @Override
        @Deprecated
        public ByteBuf readChunk(ChannelHandlerContext ctx) {
            return readChunk(ctx.alloc());
        }

        @Override
        public ByteBuf readChunk(ByteBufAllocator allocator) {
            if (isEndOfInput()) {
                return null;
            }
            int n = (int) Math.min(CHUNK, size - produced);
            ByteBuf chunk = allocator.buffer(n);
            // one bulk copy per chunk: byte-by-byte writes are slow under paranoid leak detection (a record per call)
            chunk.writeBytes(PATTERN, (int) (produced % 251), n);
            produced += n;
            return chunk;
        }

        @Override
        public long length() {
            return size;
        }

        @Override
        public long progress() {
            return produced;
        }
    }
}
