package io.mtlsproxy.policy.revocation;

import io.mtlsproxy.core.pki.IssuedCertificate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real OCSP responder: {@code openssl ocsp -index} over an OpenSSL CA database written from the
 * test's certificates, on a port the kernel picks (read back from openssl's ACCEPT line).
 */
final class OpensslOcspResponder implements AutoCloseable {
    static final String OPENSSL = "/usr/bin/openssl";
    private static final DateTimeFormatter INDEX_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern ACCEPT = Pattern.compile("ACCEPT .*:(\\d+)\\b");

    private final Process process;
    private final int port;
    private final Path log;

    private OpensslOcspResponder(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** The CA database: one line per certificate the responder knows. */
    static final class Index {
        private final List<String> lines = new ArrayList<>();

        Index valid(IssuedCertificate cert) {
            return line("V", cert.certificate(), "");
        }

        /** @param reason OpenSSL's reason name, e.g. keyCompromise */
        Index revoked(IssuedCertificate cert, Instant when, String reason) {
            return line("R", cert.certificate(), INDEX_TIME.format(when) + "," + reason);
        }

        private Index line(String status, X509Certificate cert, String revocation) {
            byte[] magnitude = cert.getSerialNumber().toByteArray();
            int skip = magnitude.length > 1 && magnitude[0] == 0 ? 1 : 0;
            String serial = HexFormat.of().withUpperCase().formatHex(magnitude, skip, magnitude.length);
            lines.add(String.join("\t", status, INDEX_TIME.format(cert.getNotAfter().toInstant()), revocation, serial,
                    "unknown", "/" + cert.getSubjectX500Principal().getName().replace(",", "/")));
            return this;
        }
    }

    /**
     * Starts {@code openssl ocsp} for the CA's certificates, signing with {@code signer}.
     *
     * @param requests serve this many requests, then exit (0 for no limit)
     */
    static OpensslOcspResponder start(Path dir, IssuedCertificate ca, IssuedCertificate signer, Index index, int requests)
            throws IOException {
        Files.writeString(dir.resolve("index.txt"), String.join("\n", index.lines) + "\n");
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        Files.writeString(dir.resolve("signer.pem"), signer.certificatePem());
        Files.writeString(dir.resolve("signer.key"), signer.privateKeyPem());
        List<String> command = new ArrayList<>(List.of(OPENSSL, "ocsp",
                "-index", "index.txt", "-port", "0",
                "-CA", "ca.pem", "-rsigner", "signer.pem", "-rkey", "signer.key",
                "-ndays", "1"));
        if (requests > 0) {
            command.addAll(List.of("-nrequest", String.valueOf(requests)));
        }
        Path log = dir.resolve("openssl.log");
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectError(log.toFile())
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            Matcher accept = ACCEPT.matcher(line);
            if (accept.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // keep the pipe from filling
                        }
                    } catch (IOException e) {
                        // the responder is gone
                    }
                }, "openssl-ocsp-stdout");
                drain.setDaemon(true);
                drain.start();
                return new OpensslOcspResponder(process, Integer.parseInt(accept.group(1)), log);
            }
        }
        process.destroyForcibly();
        throw new IOException("openssl ocsp did not start: " + Files.readString(log));
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
