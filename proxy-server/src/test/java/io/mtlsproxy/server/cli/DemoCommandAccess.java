package io.mtlsproxy.server.cli;

import java.nio.file.Path;

/** Test access to the demo's printed instructions. */
public final class DemoCommandAccess {
    private DemoCommandAccess() {}

    public static String instructions(Path dir, int port) {
        return DemoCommand.instructions(dir, port);
    }
}
