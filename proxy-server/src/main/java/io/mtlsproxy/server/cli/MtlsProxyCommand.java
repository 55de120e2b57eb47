package io.mtlsproxy.server.cli;

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
        System.exit(newCommandLine().execute(args));
    }

    public static CommandLine newCommandLine() {
        return new CommandLine(new MtlsProxyCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
