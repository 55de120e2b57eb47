package io.mtlsproxy.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin and logging sections: defaults, relative paths, and each refusal naming its setting. */
class OperationsConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fixture;

    @BeforeEach
    void fixture() {
        fixture = new ConfigFixture(dir);
    }

    private List<String> problemsWith(String moreYaml) {
        return fixture.problems(ConfigFixture.MINIMAL + moreYaml);
    }

    @Test
    void adminIsOnLoopbackByDefault() throws Exception {
        GatewayConfig config = fixture.loadWith("");

        assertThat(config.admin().enabled()).isTrue();
        assertThat(config.admin().bind()).isEqualTo("127.0.0.1");
        assertThat(config.admin().port()).isEqualTo(9901);
        assertThat(config.admin().tls()).isNull();
        assertThat(config.admin().certificateTracking().maxEntries()).isEqualTo(10_000);
        assertThat(config.admin().certificateTracking().seenWithin()).isEqualTo(Duration.ofHours(24));
        assertThat(config.logging().format()).isEqualTo(LoggingConfig.Format.PLAIN);
        assertThat(config.logging().level()).isEqualTo("INFO");
    }

    @Test
    void adminTlsPathsAreRelativeToTheFile() throws Exception {
        GatewayConfig config = fixture.loadWith("""
                admin:
                  tls: {certificate: admin.pem, privateKey: admin.key, trustAnchors: [operators.pem]}
                logging: {format: json, level: debug}
                """);

        assertThat(config.admin().tls().certificate()).isEqualTo(dir.resolve("admin.pem").toAbsolutePath());
        assertThat(config.admin().tls().privateKey()).isEqualTo(dir.resolve("admin.key").toAbsolutePath());
        assertThat(config.admin().tls().trustAnchors()).containsExactly(dir.resolve("operators.pem").toAbsolutePath());
        assertThat(config.logging().format()).isEqualTo(LoggingConfig.Format.JSON);
        assertThat(config.logging().level()).isEqualTo("DEBUG");
    }

    @Test
    void adminTlsNeedsItsKeyPairAndOperatorCas() {
        assertThat(problemsWith("admin:\n  tls: {certificate: admin.pem}\n")).containsExactlyInAnyOrder(
                "admin.tls.privateKey: required when admin.tls is set (PEM private key)",
                "admin.tls.trustAnchors: required when admin.tls is set: the CAs of the operators' client certificates"
                        + " (admin TLS always requires one)");
    }

    @Test
    void adminNeedsAPortOfItsOwn() {
        assertThat(problemsWith("listener: {port: 9443}\nadmin: {port: 9443}\n")).singleElement().asString()
                .startsWith("admin.port: 9443 is listener.port too");
        assertThat(problemsWith("admin: {port: 70000}\n")).singleElement().asString()
                .startsWith("admin.port: 70000 is not a TCP port");
        assertThat(problemsWith("admin: {bind: \" \"}\n")).containsExactly("admin.bind: empty address");
    }

    @Test
    void aDisabledAdminIsNotChecked() throws Exception {
        assertThat(fixture.loadWith("admin: {enabled: false, port: 70000}\n").admin().enabled()).isFalse();
    }

    @Test
    void trackingBounds() {
        assertThat(problemsWith("admin:\n  certificateTracking: {maxEntries: 0, seenWithin: 0s, soonest: 51}\n"))
                .containsExactlyInAnyOrder(
                        "admin.certificateTracking.maxEntries: must be at least 1",
                        "admin.certificateTracking.seenWithin: must be positive",
                        "admin.certificateTracking.soonest: must be between 0 and 50 (each is a labelled series)");
    }

    @Test
    void unknownLevelAndFormatAreRefused() {
        assertThat(problemsWith("logging: {level: loud}\n")).singleElement().asString()
                .startsWith("logging.level: 'LOUD' is not one of");
        assertThat(problemsWith("logging: {format: xml}\n")).singleElement().asString().startsWith("logging.format");
    }

    @Test
    void environmentOverridesReachTheAdminSection() throws Exception {
        GatewayConfig config = fixture.load(ConfigFixture.MINIMAL, Map.of("MTLSPROXY_ADMIN__PORT", "0",
                "MTLSPROXY_LOGGING__FORMAT", "json"));

        assertThat(config.admin().port()).isZero();
        assertThat(config.logging().format()).isEqualTo(LoggingConfig.Format.JSON);
    }
}
