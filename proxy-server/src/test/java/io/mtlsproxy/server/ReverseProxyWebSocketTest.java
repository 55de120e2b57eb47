package io.mtlsproxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A WebSocket handshake passes through a proxy route; after the 101 both connections carry raw frames. */
class ReverseProxyWebSocketTest {
    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();

    @Test
    void webSocketUpgradeEchoesThroughTheProxy() throws Exception {
        try (UpstreamServer upstream = UpstreamServer.http("ws");
                RunningGateway gateway = RunningGateway.start(dir, pki, ReverseProxyForwardingTest.config("""
                        - name: live
                          pathPrefix: /live
                          upstream: {targets: ["%s"]}
                        """.formatted(upstream.url())));
                TlsClient client = gateway.connect(pki.client("device-1"))) {
            client.send("GET /live/ws HTTP/1.1\r\nHost: devices.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            Map<String, String> head = ChunkedReader.readHead(client, 101);
            assertThat(head.get("upgrade")).isEqualToIgnoringCase("websocket");
            assertThat(head.get("sec-websocket-accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            assertThat(upstream.last().headers().get("upgrade")).isEqualTo("websocket");

            OutputStream out = client.socket().getOutputStream();
            InputStream in = client.socket().getInputStream();
            for (String message : new String[] {"hello", "again"}) {
                out.write(maskedFrame(0x1, message.getBytes(StandardCharsets.UTF_8)));
                out.flush();
                assertThat(readTextFrame(in)).isEqualTo("echo: " + message);
            }

            out.write(maskedFrame(0x8, new byte[] {0x03, (byte) 0xE8})); // close, 1000
            out.flush();
            int closeOpcode = in.read() & 0x0F;
            assertThat(closeOpcode).isEqualTo(0x8);
            in.readNBytes(in.read() & 0x7F);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    /** A client frame (clients must mask), FIN set, payload under 126 bytes. */
    private static byte[] maskedFrame(int opcode, byte[] payload) {
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        byte[] frame = new byte[2 + 4 + payload.length];
        frame[0] = (byte) (0x80 | opcode);
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
        }
        return frame;
    }

    /** A server frame: unmasked, FIN set, text, payload under 126 bytes. */
    private static String readTextFrame(InputStream in) throws IOException {
        int first = in.read();
        assertThat(first & 0x0F).as("text opcode").isEqualTo(0x1);
        int length = in.read() & 0x7F;
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
