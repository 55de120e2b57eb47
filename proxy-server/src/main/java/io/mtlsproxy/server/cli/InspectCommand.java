package io.mtlsproxy.server.cli;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.ConfigLoader;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.core.config.PolicyMode;
import io.mtlsproxy.core.config.RoutePolicy;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.rules.CompiledPolicy;
import java.util.Map;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.identity.IdentityException;
import io.mtlsproxy.core.identity.SubjectAltNames;
import io.mtlsproxy.core.pki.PemFiles;
import io.mtlsproxy.core.pki.PkiException;
import io.mtlsproxy.policy.ClientCertificatePolicy;
import io.mtlsproxy.policy.Decision;
import io.mtlsproxy.policy.TrustMaterial;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mtls-proxy inspect}: the operator's "why was this device refused". Runs the device
 * listener's certificate policy (the {@code policy} section and {@code listener.policy}) on a
 * certificate file, every check even after a failure, and prints each verdict with its detail and
 * the decision. Offline: it reads the configuration and the trust anchors, never the server's key,
 * and asks no remote service.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Explain the policy's verdict on a device certificate: every check of the device listener's policy "
                + "(the policy section and listener.policy), its verdict and detail, and the decision; then the "
                + "verdict of each route's own policy (api.policy, origin.policy). The exit code is the listener's: "
                + "Exit code 0 when allowed, 1 when refused, 2 for a usage or configuration error.")
final class InspectCommand implements Callable<Integer> {
    static final int EXIT_ALLOWED = 0;
    static final int EXIT_REFUSED = 1;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "YAML configuration file")
    Path config;

    @Parameters(index = "0", paramLabel = "CERT.pem",
            description = "the device certificate, PEM or DER; certificates after it are its chain, as a device sends it")
    Path certificate;

    @Option(names = "--chain", paramLabel = "CHAIN.pem", description = "intermediates the device sends after its certificate")
    Path chain;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GatewayConfig loaded;
        ClientCertificatePolicy policy;
        try {
            loaded = new ConfigLoader(System.getenv()).load(config);
            // trust anchors and the policy only: the server's key material is not read
            TrustMaterial trust = TrustMaterial.load(loaded.tls(), loaded.policy());
            policy = ClientCertificatePolicy.fromConfig(loaded, trust, Clock.systemUTC());
        } catch (ConfigException e) {
            err.println("mtls-proxy inspect: configuration error");
            e.problems().forEach(problem -> err.println("  - " + problem));
            err.flush();
            return Launch.EXIT_CONFIG;
        }
        ClientIdentity identity;
        try {
            List<X509Certificate> presented = new ArrayList<>(PemFiles.readCertificates(certificate));
            if (chain != null) {
                presented.addAll(PemFiles.readCertificates(chain));
            }
            identity = ClientIdentity.of(presented);
        } catch (PkiException | IdentityException e) {
            err.println("mtls-proxy inspect: " + e.getMessage());
            err.flush();
            return Launch.EXIT_CONFIG;
        }

        Decision decision = policy.explain(identity);
        describeCertificate(identity, out);
        out.println("policy:      the policy section" + policy.namedPolicy().map(named -> " + policies." + named.name()).orElse("")
                + " (listener.mode " + loaded.listener().mode().name().toLowerCase(java.util.Locale.ROOT) + ")");
        out.println();
        out.println(decision.describe());
        if (policy.requiresEntra()) {
            out.println("note: policies." + policy.namedPolicy().orElseThrow().name() + " requires entraDevice: the Entra "
                    + "device check asks Microsoft Graph after the handshake and is not evaluated offline; "
                    + (decision.allowed() ? "the device may still be refused by it" : "it would not run for a refused device"));
        }
        describeRoutes(loaded, policy.compiledPolicies(), identity, out);
        if (loaded.revocation().enabled()) {
            out.println("note: revocation (CRLs, OCSP, deny list) is not evaluated offline");
        }
        if (loaded.listener().mode() == PolicyMode.AUDIT && !decision.allowed()) {
            out.println("note: listener.mode is audit: this device's violations are logged and counted, and its requests pass");
        }
        out.flush();
        return decision.allowed() ? EXIT_ALLOWED : EXIT_REFUSED;
    }

    /** The routes' own policies: a device the listener admits may still be refused by one route. */
    private static void describeRoutes(GatewayConfig config, Map<String, CompiledPolicy> named, ClientIdentity identity,
            PrintWriter out) {
        CheckContext now = new CheckContext(Clock.systemUTC().instant(), config.policy().clockSkew());
        for (RoutePolicy route : config.routePolicies()) {
            if (route.policy() == null) {
                continue;
            }
            Decision verdict = Decision.of(List.of(named.get(route.policy()).syncChecks().explain(identity, now)));
            out.println();
            out.println("route " + route.route() + ": + policies." + route.policy() + " ("
                    + route.setting() + ".mode " + route.mode().name().toLowerCase(java.util.Locale.ROOT) + ")");
            out.println(verdict.describe());
            if (named.get(route.policy()).requiresEntra()) {
                out.println("note: policies." + route.policy() + " requires entraDevice, which is not evaluated offline");
            }
        }
    }

    private static void describeCertificate(ClientIdentity identity, PrintWriter out) {
        out.println("certificate: " + identity.subject());
        out.println("  issuer:    " + identity.issuer());
        out.println("  serial:    " + identity.serial());
        out.println("  valid:     " + identity.notBefore() + " to " + identity.notAfter());
        out.println("  sha1:      " + identity.sha1Upper());
        out.println("  sha256:    " + identity.sha256());
        out.println("  spki:      " + identity.spkiSha256());
        SubjectAltNames names = identity.subjectAltNames();
        List<String> sans = new ArrayList<>();
        names.dns().forEach(name -> sans.add("dns:" + name));
        names.uris().forEach(name -> sans.add("uri:" + name));
        names.emails().forEach(name -> sans.add("email:" + name));
        names.ips().forEach(name -> sans.add("ip:" + name));
        out.println("  san:       " + (sans.isEmpty() ? "none" : String.join(", ", sans)));
        List<X509Certificate> chain = identity.chain();
        for (int i = 1; i < chain.size(); i++) {
            out.println("  chain[" + i + "]:  " + chain.get(i).getSubjectX500Principal().getName());
        }
    }
}
