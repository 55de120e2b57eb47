package io.mtlsproxy.server.cli;

import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.ConfigLoader;
import io.mtlsproxy.core.config.GatewayConfig;
import io.mtlsproxy.server.ConfigSource;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mtls-proxy serve}: runs the gateway until SIGTERM or Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the gateway. Without --config, the origin Azure Function's environment settings are used "
                + "(AUTH_METHODS, CERT_ROOT_THUMBPRINT, ALLOWED_CLIENT_CERTS, WORKLOAD, VAR_*, KEYVAULT_URI, KEYVAULT_NAME), "
                + "plus MTLSPROXY_* overrides.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file")
    Path config;

    @Override
    public Integer call() throws Exception {
        GatewayConfig loaded;
        ConfigLoader loader = new ConfigLoader(System.getenv());
        try {
            loaded = config != null ? loader.load(config) : loader.loadFromEnvironment();
        } catch (ConfigException e) {
            return Launch.configError(e);
        }
        return Launch.runUntilStopped(config != null ? ConfigSource.file(loader, config) : ConfigSource.environment(loader),
                loaded, null);
    }
}
