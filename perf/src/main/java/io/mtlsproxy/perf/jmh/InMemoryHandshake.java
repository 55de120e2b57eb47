package io.mtlsproxy.perf.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * Drives a TLS handshake between a client and a server {@link SSLEngine} in one thread, by
 * wrap/unwrap over direct buffers: no sockets, no event loop, so a benchmark sees only TLS work.
 * It keeps shuttling until neither side has anything left to send.
 *
 * <p>After the handshake the server sends one small application record, as the gateway's first
 * response would, and the client reads it: BoringSSL writes its TLS 1.3 session tickets only with
 * the server's first application write (the JDK writes them at the end of the handshake), and a
 * client needs them to resume later. So an exchange here is the handshake plus that first record,
 * for both providers alike.
 *
 * <p>Not thread-safe (one per benchmark thread); {@link #close()} releases the buffers.
 */
final class InMemoryHandshake implements AutoCloseable {
    /** A TLS 1.3 mTLS handshake takes 2-3 rounds; a stall is a bug, not a slow handshake. */
    private static final int MAX_ROUNDS = 16;
    /** Well above one flight with RSA-2048 chains (a few KB) and the JDK's 16 KB+ record buffers. */
    private static final int CAPACITY = 64 * 1024;
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);
    /** The first bytes a server sends after the handshake: about the size of a small HTTP answer head. */
    private static final byte[] FIRST_RECORD = "HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final ByteBuf[] owned;
    private final ByteBuffer clientToServer;
    private final ByteBuffer serverToClient;
    private final ByteBuffer clientPlaintext;
    private final ByteBuffer serverPlaintext;
    private final ByteBuffer firstRecord = ByteBuffer.wrap(FIRST_RECORD);
    /** Application bytes the client has read in the current exchange. */
    private int clientRead;

    InMemoryHandshake(ByteBufAllocator alloc) {
        owned = new ByteBuf[] {alloc.directBuffer(CAPACITY, CAPACITY), alloc.directBuffer(CAPACITY, CAPACITY),
                alloc.directBuffer(CAPACITY, CAPACITY), alloc.directBuffer(CAPACITY, CAPACITY)};
        clientToServer = owned[0].nioBuffer(0, CAPACITY);
        serverToClient = owned[1].nioBuffer(0, CAPACITY);
        clientPlaintext = owned[2].nioBuffer(0, CAPACITY);
        serverPlaintext = owned[3].nioBuffer(0, CAPACITY);
    }

    /** The bytes each side sent in one exchange (tickets and the first record included), and the rounds it took. */
    record Transcript(long clientBytes, long serverBytes, int rounds) {}

    /**
     * Runs the handshake to its end, then the server's first record to the client (both engines
     * done, nothing in flight).
     *
     * @throws SSLException when either side refuses the other, or the handshake stalls
     */
    Transcript run(SSLEngine client, SSLEngine server) throws SSLException {
        clientToServer.clear();
        serverToClient.clear();
        clientRead = 0;
        client.beginHandshake();
        server.beginHandshake();
        Transcript handshake = pump(client, server, new Transcript(0, 0, 0));
        firstRecord.clear();
        SSLEngineResult sent = server.wrap(firstRecord, serverToClient);
        requireOpen(server, sent);
        if (firstRecord.hasRemaining()) {
            throw new IllegalStateException("the first record did not fit: " + sent);
        }
        Transcript done = pump(client, server, new Transcript(handshake.clientBytes(),
                handshake.serverBytes() + sent.bytesProduced(), handshake.rounds()));
        if (clientRead != FIRST_RECORD.length) {
            throw new SSLException("the client read " + clientRead + " application bytes, not " + FIRST_RECORD.length);
        }
        return done;
    }

    /** Shuttles records both ways until both engines are done and neither has anything to send. */
    private Transcript pump(SSLEngine client, SSLEngine server, Transcript sofar) throws SSLException {
        long clientBytes = sofar.clientBytes();
        long serverBytes = sofar.serverBytes();
        for (int round = 1; round <= MAX_ROUNDS; round++) {
            int sent = wrap(client, clientToServer);
            int read = unwrap(server, clientToServer, serverPlaintext);
            int answered = wrap(server, serverToClient);
            int received = unwrap(client, serverToClient, clientPlaintext);
            clientBytes += sent;
            serverBytes += answered;
            if (sent + read + answered + received == 0 && finished(client) && finished(server)) {
                return new Transcript(clientBytes, serverBytes, sofar.rounds() + round);
            }
        }
        throw new SSLException("handshake stalled after " + MAX_ROUNDS + " rounds (client " + client.getHandshakeStatus()
                + ", server " + server.getHandshakeStatus() + ")");
    }

    private static boolean finished(SSLEngine engine) {
        runTasks(engine);
        return engine.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING;
    }

    /** Everything the engine wants to send now, appended to {@code out} (write mode). */
    private static int wrap(SSLEngine engine, ByteBuffer out) throws SSLException {
        int produced = 0;
        while (true) {
            SSLEngineResult result = engine.wrap(NOTHING, out);
            requireOpen(engine, result);
            produced += result.bytesProduced();
            if (result.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                runTasks(engine);
                continue;
            }
            if (result.bytesProduced() == 0 || result.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
                return produced;
            }
        }
    }

    /** Feeds the engine every complete record in {@code in} (write mode, compacted afterwards). */
    private int unwrap(SSLEngine engine, ByteBuffer in, ByteBuffer plaintext) throws SSLException {
        in.flip();
        int consumed = 0;
        try {
            while (in.hasRemaining()) {
                SSLEngineResult result = engine.unwrap(in, plaintext);
                requireOpen(engine, result);
                consumed += result.bytesConsumed();
                if (result.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                    runTasks(engine);
                    continue;
                }
                if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW || result.bytesConsumed() == 0) {
                    break;
                }
            }
        } finally {
            in.compact();
            if (plaintext == clientPlaintext) {
                clientRead += plaintext.position();
            }
            plaintext.clear(); // read, not kept
        }
        runTasks(engine);
        return consumed;
    }

    /** Certificate checks may run as delegated tasks (Netty's OpenSSL engine does so by default). */
    private static void runTasks(SSLEngine engine) {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private static void requireOpen(SSLEngine engine, SSLEngineResult result) throws SSLException {
        if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new SSLException((engine.getUseClientMode() ? "client" : "server") + " closed during the handshake: " + result);
        }
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            throw new IllegalStateException("buffer too small for one flight: " + result);
        }
    }

    @Override
    public void close() {
        for (ByteBuf buffer : owned) {
            buffer.release();
        }
    }
}
