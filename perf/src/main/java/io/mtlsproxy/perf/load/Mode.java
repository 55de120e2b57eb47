package io.mtlsproxy.perf.load;

/** What each of the harness's concurrent loops does with its connections. */
enum Mode {
    /** A new connection per request with a full TLS handshake (no session cache, no tickets). */
    HANDSHAKE(1, false),
    /** A new connection per request, resuming the previous TLS 1.3 session from its ticket. */
    RESUME(1, false),
    /** One persistent HTTP/1.1 connection per loop, requests back to back. */
    KEEPALIVE(Integer.MAX_VALUE, false),
    /** Open, prove live with one request, then hold the connection for the whole duration. */
    IDLE(1, true),
    /** Open, make {@code --requests-per-connection} requests, close, again. */
    CHURN(-1, false);

    private final int requestsPerConnection;
    private final boolean holdsConnections;

    Mode(int requestsPerConnection, boolean holdsConnections) {
        this.requestsPerConnection = requestsPerConnection;
        this.holdsConnections = holdsConnections;
    }

    /** @param churnRequests {@code --requests-per-connection}, which only churn uses */
    int requestsPerConnection(int churnRequests) {
        return this == CHURN ? churnRequests : requestsPerConnection;
    }

    boolean holdsConnections() {
        return holdsConnections;
    }

    boolean reusesTlsSessions() {
        // churn and keep-alive stand for devices that reconnect now and then: they resume too
        return this != HANDSHAKE;
    }

    /** Whether the request asks the server to close after its response (one request per connection). */
    boolean oneRequestPerConnection() {
        return this == HANDSHAKE || this == RESUME;
    }
}
