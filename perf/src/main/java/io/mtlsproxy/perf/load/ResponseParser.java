package io.mtlsproxy.perf.load;

import io.netty.buffer.ByteBuf;

/**
 * A minimal incremental HTTP/1.1 response parser: status line, the three headers that frame a
 * response (Content-Length, Transfer-Encoding: chunked, Connection: close), the body by length,
 * by chunks or until the connection closes. Cheaper than HttpClientCodec because it builds no
 * header objects and keeps no body: it only tells the status, whether the body held the expected
 * text and whether the server will close. One parser per connection, not thread-safe.
 */
final class ResponseParser {
    static final int MAX_LINE = 16 * 1024;

    /** Called once per complete final (non-1xx) response. */
    interface Listener {
        void response(int status, boolean bodyMatched, boolean serverCloses);
    }

    private enum State { STATUS_LINE, HEADERS, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, UNTIL_CLOSE }

    private final Listener listener;
    private final BodyMatcher expectedBody;
    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    private State state = State.STATUS_LINE;
    private int status;
    private boolean http10;
    private long contentLength;
    private boolean chunked;
    private boolean serverCloses;
    private boolean keepAliveHeader;
    private long remaining;

    /** @param expectedBody text the body must contain, or {@code null} to accept any body */
    ResponseParser(Listener listener, BodyMatcher expectedBody) {
        this.listener = listener;
        this.expectedBody = expectedBody;
        startResponse();
    }

    /** Consumes every readable byte of {@code in}, calling the listener for each complete response. */
    void feed(ByteBuf in) throws ResponseFormatException {
        while (in.isReadable()) {
            switch (state) {
                case FIXED_BODY, CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    body(in, n);
                    remaining -= n;
                    if (remaining == 0) {
                        if (state == State.FIXED_BODY) {
                            complete();
                        } else {
                            state = State.CHUNK_DATA_END;
                        }
                    }
                }
                case UNTIL_CLOSE -> body(in, in.readableBytes());
                default -> {
                    if (!readLine(in)) {
                        return;
                    }
                    line();
                }
            }
        }
    }

    /**
     * The connection closed. A body read until close is complete now; returns whether a response
     * was cut short (bytes of one received, but not all of it).
     */
    boolean endOfInput() {
        if (state == State.UNTIL_CLOSE) {
            complete();
            return false;
        }
        return state != State.STATUS_LINE || lineLength > 0;
    }

    private void body(ByteBuf in, int length) {
        if (expectedBody != null) {
            expectedBody.feed(in, length);
        }
        in.skipBytes(length);
    }

    /** Appends up to the next LF to {@link #line}; true once a whole line (without CR LF) is there. */
    private boolean readLine(ByteBuf in) throws ResponseFormatException {
        int end = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        int available = (end < 0 ? in.writerIndex() : end) - in.readerIndex();
        if (lineLength + available > MAX_LINE) {
            throw new ResponseFormatException("a response line longer than " + MAX_LINE + " bytes");
        }
        in.readBytes(line, lineLength, available);
        lineLength += available;
        if (end < 0) {
            return false;
        }
        in.skipBytes(1);
        if (lineLength > 0 && line[lineLength - 1] == '\r') {
            lineLength--;
        }
        return true;
    }

    private void line() throws ResponseFormatException {
        int length = lineLength;
        lineLength = 0;
        switch (state) {
            case STATUS_LINE -> statusLine(length);
            case HEADERS -> {
                if (length == 0) {
                    endOfHeaders();
                } else {
                    header(length);
                }
            }
            case CHUNK_SIZE -> {
                long size = chunkSize(length);
                if (size == 0) {
                    state = State.TRAILERS;
                } else {
                    remaining = size;
                    state = State.CHUNK_DATA;
                }
            }
            case CHUNK_DATA_END -> {
                if (length != 0) {
                    throw new ResponseFormatException("a chunk longer than its size");
                }
                state = State.CHUNK_SIZE;
            }
            case TRAILERS -> {
                if (length == 0) {
                    complete();
                }
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void statusLine(int length) throws ResponseFormatException {
        // HTTP/1.1 200 OK: the version, a space, three digits, then a space or the end of the line
        if (length < "HTTP/1.1 200".length() || !startsWith(line, "HTTP/1.") || line[8] != ' '
                || (length > 12 && line[12] != ' ')) {
            throw new ResponseFormatException("not an HTTP/1.x status line");
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            byte digit = line[i];
            if (digit < '0' || digit > '9') {
                throw new ResponseFormatException("a status that is not three digits");
            }
            code = code * 10 + (digit - '0');
        }
        status = code;
        http10 = line[7] == '0';
        state = State.HEADERS;
    }

    private void header(int length) throws ResponseFormatException {
        int colon = indexOf(line, (byte) ':', length);
        if (colon <= 0) {
            throw new ResponseFormatException("a header line without a name");
        }
        int valueStart = colon + 1;
        while (valueStart < length && (line[valueStart] == ' ' || line[valueStart] == '\t')) {
            valueStart++;
        }
        int valueEnd = length;
        while (valueEnd > valueStart && (line[valueEnd - 1] == ' ' || line[valueEnd - 1] == '\t')) {
            valueEnd--;
        }
        if (nameIs("content-length", colon)) {
            contentLength = decimal(valueStart, valueEnd);
        } else if (nameIs("transfer-encoding", colon)) {
            chunked |= containsIgnoreCase(valueStart, valueEnd, "chunked");
        } else if (nameIs("connection", colon)) {
            serverCloses |= containsIgnoreCase(valueStart, valueEnd, "close");
            keepAliveHeader |= containsIgnoreCase(valueStart, valueEnd, "keep-alive");
        }
    }

    private void endOfHeaders() {
        if (http10 && !keepAliveHeader) {
            serverCloses = true;
        }
        if (status >= 100 && status < 200) {
            // an interim response (100 Continue, 103 Early Hints): the final one follows
            startResponse();
        } else if (status == 204 || status == 304) {
            complete();
        } else if (chunked) {
            state = State.CHUNK_SIZE;
        } else if (contentLength >= 0) {
            remaining = contentLength;
            if (remaining == 0) {
                complete();
            } else {
                state = State.FIXED_BODY;
            }
        } else {
            serverCloses = true;
            state = State.UNTIL_CLOSE;
        }
    }

    private long chunkSize(int length) throws ResponseFormatException {
        long size = 0;
        int digits = 0;
        for (int i = 0; i < length; i++) {
            int value = Character.digit(line[i], 16);
            if (value < 0) {
                if (line[i] == ';' || line[i] == ' ' || line[i] == '\t') {
                    break; // chunk extensions: ignored
                }
                throw new ResponseFormatException("a chunk size that is not hexadecimal");
            }
            if (++digits > 15) {
                throw new ResponseFormatException("a chunk size too large");
            }
            size = size * 16 + value;
        }
        if (digits == 0) {
            throw new ResponseFormatException("a chunk without its size");
        }
        return size;
    }

    private void complete() {
        boolean matched = expectedBody == null || expectedBody.found();
        int finalStatus = status;
        boolean closes = serverCloses;
        startResponse();
        listener.response(finalStatus, matched, closes);
    }

    private void startResponse() {
        state = State.STATUS_LINE;
        status = 0;
        http10 = false;
        contentLength = -1;
        chunked = false;
        serverCloses = false;
        keepAliveHeader = false;
        remaining = 0;
        if (expectedBody != null) {
            expectedBody.reset();
        }
    }

    private long decimal(int from, int to) throws ResponseFormatException {
        if (from == to || to - from > 18) {
            throw new ResponseFormatException("a Content-Length that is not a number");
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            if (line[i] < '0' || line[i] > '9') {
                throw new ResponseFormatException("a Content-Length that is not a number");
            }
            value = value * 10 + (line[i] - '0');
        }
        return value;
    }

    private boolean nameIs(String lowerCaseName, int nameLength) {
        if (nameLength != lowerCaseName.length()) {
            return false;
        }
        for (int i = 0; i < nameLength; i++) {
            if (lower(line[i]) != lowerCaseName.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean containsIgnoreCase(int from, int to, String lowerCaseWord) {
        int last = to - lowerCaseWord.length();
        for (int start = from; start <= last; start++) {
            int i = 0;
            while (i < lowerCaseWord.length() && lower(line[start + i]) == lowerCaseWord.charAt(i)) {
                i++;
            }
            if (i == lowerCaseWord.length()) {
                return true;
            }
        }
        return false;
    }

    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
    }

    private static boolean startsWith(byte[] bytes, String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            if (bytes[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] bytes, byte value, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return -1;
    }

    /** The server sent something that is not an HTTP/1.1 response. */
    static final class ResponseFormatException extends Exception {
        ResponseFormatException(String message) {
            super(message, null, false, false);
        }
    }
}
