package io.mtlsproxy.server.proxy;

import java.io.IOException;

/**
 * An HTTP/2 upstream said it did not process a stream's request (a GOAWAY whose lastStreamId is
 * below the stream, or REFUSED_STREAM): the request may be sent again elsewhere, as after a
 * failed connect. Without a stack trace: it is an answer, not a fault of the gateway.
 */
final class UnprocessedRequestException extends IOException {
    UnprocessedRequestException(String why) {
        super("the upstream did not process the request (" + why + ")", null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
