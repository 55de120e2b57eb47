package io.mtlsproxy.server;

import java.util.List;

/**
 * What a reload did. A failed reload changed nothing: the gateway keeps serving the last good
 * configuration.
 *
 * @param ok whether the new configuration was built and swapped in
 * @param trigger what asked for it: {@code SIGHUP}, {@code file change}, {@code admin}, ...
 * @param generation the generation serving new connections afterwards (unchanged when it failed)
 * @param changes what changed, one entry per section or file (empty when failed)
 * @param needsRestart settings that changed but need a restart to apply (the running values stay)
 * @param problems why it failed, each naming its setting as at start-up (empty when ok)
 */
public record ReloadResult(boolean ok, String trigger, long generation, List<String> changes, List<String> needsRestart,
        List<String> problems) {

    public ReloadResult {
        changes = List.copyOf(changes);
        needsRestart = List.copyOf(needsRestart);
        problems = List.copyOf(problems);
    }

    static ReloadResult applied(String trigger, long generation, List<String> changes, List<String> needsRestart) {
        return new ReloadResult(true, trigger, generation, changes, needsRestart, List.of());
    }

    static ReloadResult failed(String trigger, long generation, List<String> problems) {
        return new ReloadResult(false, trigger, generation, List.of(), List.of(), problems);
    }
}
