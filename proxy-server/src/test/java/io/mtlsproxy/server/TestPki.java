package io.mtlsproxy.server;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A fresh PKI per test: a root, a device intermediate, and a server certificate for 127.0.0.1. */
final class TestPki {
    final IssuedCertificate root = CertificateBuilder.ca("CN=Test Root,O=mtls-proxy tests").selfSigned();
    final IssuedCertificate deviceCa = CertificateBuilder.ca("CN=Test Devices,O=mtls-proxy tests").signedBy(root);
    final IssuedCertificate server = CertificateBuilder.server("CN=localhost").dns("localhost").ip("127.0.0.1").signedBy(root);

    IssuedCertificate client(String cn) {
        return CertificateBuilder.client("CN=" + cn + ",O=mtls-proxy tests").signedBy(root);
    }

    /** Writes ca.pem, server.pem and server.key into dir. */
    void writeServerFiles(Path dir) throws IOException {
        Files.writeString(dir.resolve("ca.pem"), root.certificatePem());
        Files.writeString(dir.resolve("server.pem"), server.presentedChainPem());
        Files.writeString(dir.resolve("server.key"), server.privateKeyPem());
    }
}
