package io.mtlsproxy.server.cli;

import picocli.CommandLine;

final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Version.class.getPackage().getImplementationVersion();
        return new String[] {"mtls-proxy " + (version == null ? "development build" : version)};
    }
}
