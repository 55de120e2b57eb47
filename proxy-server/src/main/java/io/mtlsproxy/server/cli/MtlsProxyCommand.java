package io.mtlsproxy.server.cli;

import io.netty.util.ResourceLeakDetector;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mtls-proxy}: the gateway's command line. */
@Command(name = "mtls-proxy",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "mTLS gateway in front of secret stores: devices authenticate with their certificate and read "
                + "only the secrets their identity is granted.",
        subcommands = {ServeCommand.class, DemoCommand.class, PkiCommand.class, InspectCommand.class, VerifyAuditCommand.class,
                CommandLine.HelpCommand.class})
public final class MtlsProxyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        productionLeakDetection();
        System.exit(newCommandLine().execute(args));
    }

    /**
     * Netty's leak detector samples one buffer in 128 by default and records a stack trace for
     * each: about 1% of a keep-alive request's CPU. The test suite runs it at paranoid level on
     * every path, so a running gateway leaves it off unless {@code -Dio.netty.leakDetection.level}
     * asks for it (to chase a suspected leak in the field).
     */
    private static void productionLeakDetection() {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    public static CommandLine newCommandLine() {
        return new CommandLine(new MtlsProxyCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
