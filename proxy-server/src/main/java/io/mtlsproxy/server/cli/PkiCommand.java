package io.mtlsproxy.server.cli;

import io.mtlsproxy.core.pki.CertificateBuilder;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.core.pki.KeyMaterial;
import io.mtlsproxy.core.pki.PemFiles;
import io.mtlsproxy.core.pki.PkiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mtls-proxy pki}: issue a CA, a server and client certificates for trials with your own devices. */
@Command(name = "pki", mixinStandardHelpOptions = true,
        description = "Issue certificates for trials (P-256 keys, PEM files). For production use your own PKI.",
        subcommands = {PkiCommand.Ca.class, PkiCommand.Server.class, PkiCommand.Client.class})
final class PkiCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "ca", mixinStandardHelpOptions = true, description = "Create a root CA: DIR/ca.pem and DIR/ca.key.")
    static final class Ca implements Callable<Integer> {
        @Option(names = "--dir", required = true, paramLabel = "DIR") Path dir;
        @Option(names = "--name", defaultValue = "CN=mtls-proxy trial root", description = "subject DN (default: ${DEFAULT-VALUE})")
        String name;
        @Option(names = "--days", defaultValue = "3650") int days;

        @Override
        public Integer call() throws IOException {
            Files.createDirectories(dir);
            IssuedCertificate ca = CertificateBuilder.ca(name).validFor(Duration.ofDays(days)).selfSigned();
            DemoPki.writeText(dir.resolve("ca.pem"), ca.certificatePem());
            DemoPki.writeText(dir.resolve("ca.key"), ca.privateKeyPem());
            DemoPki.restrict(dir.resolve("ca.key"));
            System.out.println("wrote " + dir.resolve("ca.pem") + " and " + dir.resolve("ca.key"));
            return 0;
        }
    }

    /** Options shared by the leaf-issuing commands. */
    abstract static class Leaf implements Callable<Integer> {
        @Option(names = "--ca-dir", required = true, paramLabel = "DIR", description = "folder with ca.pem and ca.key")
        Path caDir;
        @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: the CA folder)") Path out;
        @Option(names = "--days", defaultValue = "365") int days;

        IssuedCertificate issuer() throws PkiException {
            List<X509Certificate> chain = PemFiles.readCertificates(caDir.resolve("ca.pem"));
            KeyMaterial key = new KeyMaterial(PemFiles.readPrivateKey(caDir.resolve("ca.key"), null), chain);
            return new IssuedCertificate(new KeyPair(chain.get(0).getPublicKey(), key.privateKey()), chain);
        }

        Integer write(String baseName, IssuedCertificate issued) throws IOException {
            Path dir = out != null ? out : caDir;
            Files.createDirectories(dir);
            DemoPki.writeText(dir.resolve(baseName + ".pem"), issued.presentedChainPem());
            DemoPki.writeText(dir.resolve(baseName + ".key"), issued.privateKeyPem());
            DemoPki.restrict(dir.resolve(baseName + ".key"));
            System.out.println("wrote " + dir.resolve(baseName + ".pem") + " and " + dir.resolve(baseName + ".key")
                    + " (SHA-256 " + io.mtlsproxy.core.identity.Thumbprints.sha256Hex(issued.certificate()) + ")");
            return 0;
        }
    }

    @Command(name = "server", mixinStandardHelpOptions = true, description = "Issue a server certificate: OUT/server.pem, OUT/server.key.")
    static final class Server extends Leaf {
        @Option(names = "--dns", split = ",", defaultValue = "localhost") List<String> dns = new ArrayList<>();
        @Option(names = "--ip", split = ",", defaultValue = "127.0.0.1") List<String> ips = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            IssuedCertificate server = CertificateBuilder.server("CN=" + dns.get(0))
                    .dns(dns.toArray(String[]::new)).ip(ips.toArray(String[]::new))
                    .validFor(Duration.ofDays(days)).signedBy(issuer());
            return write("server", server);
        }
    }

    @Command(name = "client", mixinStandardHelpOptions = true, description = "Issue a device certificate: OUT/NAME.pem, OUT/NAME.key.")
    static final class Client extends Leaf {
        @Option(names = "--name", required = true, description = "device name, used as CN and file name") String name;
        @Option(names = "--subject", description = "full subject DN (default: CN=NAME)") String subject;

        @Override
        public Integer call() throws Exception {
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
                System.err.println("--name: letters, digits, '.', '_' and '-' only (it becomes a file name)");
                return 2;
            }
            IssuedCertificate client = CertificateBuilder.client(subject != null ? subject : "CN=" + name)
                    .validFor(Duration.ofDays(days)).signedBy(issuer());
            return write(name, client);
        }
    }
}
