package io.mtlsproxy.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads a chunked response off a TlsClient's socket: status line and headers, then the chunks. */
final class ChunkedReader {
    private ChunkedReader() {}

    /** @return the body of a chunked response, its chunks joined */
    static String readChunked(TlsClient client) throws IOException {
        InputStream in = client.socket().getInputStream();
        String status = line(in);
        if (status == null || !status.startsWith("HTTP/1.1 200")) {
            throw new IOException("unexpected status: " + status);
        }
        boolean chunked = false;
        String header;
        while ((header = line(in)) != null && !header.isEmpty()) {
            if (header.toLowerCase(java.util.Locale.ROOT).startsWith("transfer-encoding:") && header.contains("chunked")) {
                chunked = true;
            }
        }
        if (!chunked) {
            throw new IOException("not chunked");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int size = Integer.parseInt(line(in).trim(), 16);
            if (size == 0) {
                line(in); // the empty line after the last chunk (no trailers)
                return body.toString(StandardCharsets.UTF_8);
            }
            body.write(in.readNBytes(size));
            line(in);
        }
    }

    /** Reads a status line (which must have {@code status}) and headers, nothing more; header names in lower case. */
    static java.util.Map<String, String> readHead(TlsClient client, int status) throws IOException {
        InputStream in = client.socket().getInputStream();
        String statusLine = line(in);
        if (statusLine == null || !statusLine.startsWith("HTTP/1.1 " + status)) {
            throw new IOException("unexpected status: " + statusLine);
        }
        java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
        String header;
        while ((header = line(in)) != null && !header.isEmpty()) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), header.substring(colon + 1).trim());
        }
        return headers;
    }

    static String line(InputStream in) throws IOException {
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
}
