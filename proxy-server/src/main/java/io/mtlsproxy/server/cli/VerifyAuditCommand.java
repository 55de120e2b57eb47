package io.mtlsproxy.server.cli;

import io.mtlsproxy.server.audit.AuditChainVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mtls-proxy verify-audit FILE}: recomputes the audit file's hash chain. */
@Command(name = "verify-audit", mixinStandardHelpOptions = true,
        description = "Check an audit file's hash chain (audit.file): prints OK and the record count, exit 0, or the first "
                + "broken line with the expected and the found hash, exit 1. Exit 2 when the file cannot be read.")
final class VerifyAuditCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the audit file")
    Path file;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isRegularFile(file)) {
            err.println("verify-audit: " + file + ": no such file");
            return 2;
        }
        AuditChainVerifier.Result result;
        try {
            result = AuditChainVerifier.verify(file);
        } catch (IOException e) {
            err.println("verify-audit: " + file + ": cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
            return 2;
        }
        if (result.intact()) {
            out.println("OK: " + result.records() + " records, chain intact");
            out.println("last hash: " + result.lastHash() + " (keep it elsewhere: lines cut from the end leave no trace "
                    + "in the file)");
            return 0;
        }
        out.println("BROKEN at line " + result.brokenLine() + ": " + result.problem());
        if (result.expected() != null) {
            out.println("  expected: " + result.expected());
            out.println("  found:    " + result.found());
        }
        out.println(result.records() + " records before it verify");
        return 1;
    }
}
