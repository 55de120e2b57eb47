package io.mtlsproxy.server.http;

/** Per-request facts every response and audit line needs. */
record RequestContext(String requestId, String clientAddress, String method, String uri, long startNanos, boolean keepAlive) {}
