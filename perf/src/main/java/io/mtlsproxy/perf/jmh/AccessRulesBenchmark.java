package io.mtlsproxy.perf.jmh;

import io.mtlsproxy.core.config.AccessConfig;
import io.mtlsproxy.core.config.AccessRuleConfig;
import io.mtlsproxy.core.config.IdentityMatchConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.AccessDecision;
import io.mtlsproxy.policy.AccessRules;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The access decision every secret request pays: {@link AccessRules#decide} over
 * {@value #RULES} rules (subject, issuer and SAN matches of other device groups), the one granting
 * this kiosk last, so a decision walks the whole list:
 *
 * <ul>
 *   <li>{@code hit}: the last rule grants {@code wifi-psk} through a glob;
 *   <li>{@code hitCommonNameTemplate}: the last rule grants {@code kiosk-{cn}}, the per-device secret;
 *   <li>{@code denyByDefault}: no rule grants {@code payroll-db}: every rule is tried, then deny.
 * </ul>
 *
 * Run: {@code java -jar perf/target/benchmarks.jar AccessRulesBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AccessRulesBenchmark {
    static final int RULES = 50;

    private AccessRules rules;
    private ClientIdentity kiosk;

    @Setup
    public void setUp() throws Exception {
        kiosk = ClientIdentity.of(BenchPki.create(2, BenchPki.Keys.P256).device("kiosk-17").presentedChain());
        List<AccessRuleConfig> configs = new ArrayList<>();
        for (int group = 0; group < RULES - 1; group++) {
            IdentityMatchConfig match = switch (group % 3) {
                case 0 -> new IdentityMatchConfig(null, List.of("CN=*,OU=Group-" + group + ",O=mtls-proxy"), null, null, null);
                case 1 -> new IdentityMatchConfig(null, null, List.of("CN=Group " + group + " CA,O=mtls-proxy"), null, null);
                default -> new IdentityMatchConfig(null, null, null, List.of("dns:*.group-" + group + ".mtls-proxy.test"), null);
            };
            configs.add(new AccessRuleConfig("group-" + group, match, List.of("group-" + group + "-*", "shared-" + group)));
        }
        configs.add(new AccessRuleConfig("kiosks",
                new IdentityMatchConfig(null, List.of("CN=kiosk-*,OU=Kiosks,O=mtls-proxy"), null, null, null),
                List.of("wifi-*", "kiosk-{cn}")));
        rules = AccessRules.fromConfig(new AccessConfig(configs));

        // a wrong answer would make the figures meaningless
        expect(hit(), true, "wifi-psk");
        expect(hitCommonNameTemplate(), true, "kiosk-kiosk-17");
        expect(denyByDefault(), false, "payroll-db");
    }

    private static void expect(AccessDecision decision, boolean allowed, String name) {
        if (decision.allowed() != allowed) {
            throw new IllegalStateException(name + ": expected allowed=" + allowed + ", got " + decision);
        }
    }

    @Benchmark
    public AccessDecision hit() {
        return rules.decide(kiosk, "wifi-psk");
    }

    @Benchmark
    public AccessDecision hitCommonNameTemplate() {
        return rules.decide(kiosk, "kiosk-kiosk-17");
    }

    @Benchmark
    public AccessDecision denyByDefault() {
        return rules.decide(kiosk, "payroll-db");
    }
}
