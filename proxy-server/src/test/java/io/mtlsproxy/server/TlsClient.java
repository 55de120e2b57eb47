package io.mtlsproxy.server;

import io.mtlsproxy.core.pki.IssuedCertificate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A blocking TLS client on the JDK's stack for black-box tests: presents the given certificate
 * whatever CA names the server asks for (so "presented but untrusted" really is presented),
 * speaks raw HTTP/1.1, and reports TLS alerts as the JDK names them.
 */
final class TlsClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private TlsClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static TlsClient connect(int port, X509Certificate trusted, IssuedCertificate client, String... protocols)
            throws Exception {
        SSLContext context = context(trusted, client);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        socket.setEnabledProtocols(protocols.length == 0 ? new String[] {"TLSv1.3"} : protocols);
        socket.startHandshake();
        return new TlsClient(socket);
    }

    /** TLS 1.3 from a given loopback source address (127.0.0.2, ...): one machine, several clients. */
    static TlsClient connectFrom(String localAddress, int port, X509Certificate trusted, IssuedCertificate client)
            throws Exception {
        Socket plain = new Socket();
        plain.bind(new java.net.InetSocketAddress(localAddress, 0));
        plain.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
        return over(plain, trusted, client);
    }

    /** Plain HTTP from a given loopback source address, as an ingress in front of the behind-ingress listener talks. */
    static TlsClient plain(String localAddress, int port) throws IOException {
        Socket plain = new Socket();
        plain.bind(new java.net.InetSocketAddress(localAddress, 0));
        plain.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
        plain.setSoTimeout(10_000);
        return new TlsClient(plain);
    }

    /** TLS 1.3 over a connected socket, e.g. after the test wrote a PROXY protocol header on it. */
    static TlsClient over(Socket plain, X509Certificate trusted, IssuedCertificate client) throws Exception {
        SSLSocket socket = (SSLSocket) context(trusted, client).getSocketFactory()
                .createSocket(plain, "127.0.0.1", plain.getPort(), true);
        socket.setUseClientMode(true);
        socket.setSoTimeout(10_000);
        socket.setEnabledProtocols(new String[] {"TLSv1.3"});
        try {
            socket.startHandshake();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return new TlsClient(socket);
    }

    private static SSLContext context(X509Certificate trusted, IssuedCertificate client) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManager[] keys = client == null ? null : new KeyManager[] {new FixedKeyManager(client)};
        context.init(keys, tmf.getTrustManagers(), null);
        return context;
    }

    SSLSocket socket() {
        return (SSLSocket) socket;
    }

    Response get(String path) throws IOException {
        return exchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
    }

    Response exchange(String rawRequest) throws IOException {
        send(rawRequest);
        return read();
    }

    void send(String rawRequest) throws IOException {
        try {
            out.write(rawRequest.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (java.net.SocketException closed) {
            // TLS 1.3: a refused client learns of it after its handshake; when the server's alert and
            // close beat the request, the write fails, but the alert is waiting to be read
            try {
                in.read();
            } catch (javax.net.ssl.SSLException alert) {
                alert.addSuppressed(closed);
                throw alert;
            } catch (IOException ignored) {
                // no alert to report: the write's failure is the answer
            }
            throw closed;
        }
    }

    /** Reads one response with a Content-Length body. */
    Response read() throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String header;
        while ((header = line()) != null && !header.isEmpty()) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new Response(Integer.parseInt(statusLine.split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
    }

    /** True when the server has closed the connection (EOF on read). */
    boolean closedByServer() throws IOException {
        try {
            return in.read() == -1;
        } catch (javax.net.ssl.SSLException | java.net.SocketException e) {
            return true;
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                String text = buffer.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            buffer.write(b);
        }
        return buffer.size() == 0 ? null : buffer.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Presents one certificate whatever the server's CertificateRequest lists. */
    private static final class FixedKeyManager extends X509ExtendedKeyManager {
        private final IssuedCertificate client;

        FixedKeyManager(IssuedCertificate client) {
            this.client = client;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return "client";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return "client";
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return client.presentedChain().toArray(X509Certificate[]::new);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return client.keyPair().getPrivate();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"client"};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
