package io.mtlsproxy.policy.entra;

import io.mtlsproxy.core.testing.ManagedIdentityEndpoint;
import static io.mtlsproxy.policy.entra.EntraPki.entraKey;
import static io.mtlsproxy.policy.entra.EntraPki.identity;
import static io.mtlsproxy.policy.entra.EntraPki.newDeviceId;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.EntraConfig;
import io.mtlsproxy.core.config.EntraConfig.CredentialConfig;
import io.mtlsproxy.core.config.RevocationConfig.FailMode;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The Entra device check end to end: the real azure-identity managed-identity credential against
 * a local App Service token endpoint, and the check's JDK HttpClient against an HTTPS Graph fixture.
 */
class EntraDeviceCheckTest {
    private static final CheckContext CONTEXT = new CheckContext(EntraPki.NOW, Duration.ofMinutes(1));
    private static final CredentialConfig MANAGED_IDENTITY =
            new CredentialConfig("managedIdentity", null, null, null, null, null);

    private final FakeTime time = new FakeTime(EntraPki.NOW);
    private final ManagedIdentityEndpoint identityEndpoint = ManagedIdentityEndpoint.get();
    private final GraphFixture graph = new GraphFixture();
    private final IssuedCertificate ca = EntraPki.organizationAccessCa();
    private final ExecutorService credentialThreads = Executors.newFixedThreadPool(2, r -> {
        Thread thread = new Thread(r, "test-credential");
        thread.setDaemon(true);
        return thread;
    });
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeEach
    void grantGraphTokens() {
        identityEndpoint.grant(graph.resource(), graph.token(), time.instant().plus(Duration.ofHours(1)));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
        graph.close();
        credentialThreads.shutdownNow();
        assertThat(graph.problems()).as("requests the Graph fixture refused").isEmpty();
        assertThat(identityEndpoint.drainProblems()).as("requests the token endpoint refused").isEmpty();
    }

    // --- verified devices ----------------------------------------------------------------------

    @Test
    void passesAnEnabledDeviceWhoseCertificateIsItsRegisteredKey() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        graph.answer(id, GraphFixture.device(id, "PC-0042", true, entraKey(device.certificate())));
        EntraDeviceCheck check = config().check();

        EntraOutcome outcome = verify(check, device);

        assertThat(outcome.result().passed()).as(outcome.result().detail()).isTrue();
        assertThat(outcome.admittedWithoutGraph()).isFalse();
        assertThat(outcome.result().check()).isEqualTo("entra-device");
        assertThat(outcome.result().detail()).contains(id).contains("PC-0042");
        assertThat(outcome.verifiedDevice()).hasValueSatisfying(d -> {
            assertThat(d.deviceId()).isEqualTo(id);
            assertThat(d.displayName()).isEqualTo("PC-0042");
            assertThat(d.trustType()).isEqualTo("AzureAd");
        });
        assertThat(graph.calls(id)).isEqualTo(1);
        List<Map<String, String>> tokenRequests = identityEndpoint.requests(graph.resource());
        assertThat(tokenRequests).hasSize(1);
        assertThat(tokenRequests.get(0)).containsEntry("resource", graph.resource()).doesNotContainKey("client_id");
    }

    @Test
    void passesAnEllipticCurveDevice() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.ecDevice(id, ca);
        graph.answer(id, GraphFixture.device(id, "MAC-7", true, entraKey(device.certificate())));

        CheckResult result = check(config().check(), device);

        assertThat(result.passed()).as(result.detail()).isTrue();
    }

    @Test
    void findsTheX509KeyWhereverItIsInTheList() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        IssuedCertificate previous = EntraPki.rsaDevice(id, ca);
        ObjectNode entry = GraphFixture.device(id, "PC-1", true);
        ArrayNode ids = entry.putArray("alternativeSecurityIds");
        ids.addObject().put("type", 1).put("identityProvider", "urn:example").put("key", entraKey(previous.certificate()));
        ids.addObject().put("type", 2).putNull("identityProvider").put("key", entraKey(device.certificate()));
        graph.answer(id, entry);

        CheckResult result = check(config().check(), device);

        assertThat(result.passed()).as(result.detail()).isTrue();
    }

    @Test
    void readsOnlyTheX509KeyNotOtherTypes() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        ObjectNode entry = GraphFixture.device(id, "PC-1", true);
        entry.putArray("alternativeSecurityIds").addObject()
                .put("type", 1).putNull("identityProvider").put("key", entraKey(device.certificate()));
        graph.answer(id, entry);

        CheckResult result = check(config().check(), device);

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_KEY_MISMATCH);
        assertThat(result.detail()).contains("type 2");
    }

    // --- refusals from Graph -------------------------------------------------------------------

    @Test
    void refusesAnUnknownDevice() throws Exception {
        String id = newDeviceId();
        graph.noDevice(id);

        CheckResult result = check(config().check(), EntraPki.rsaDevice(id, ca));

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_DEVICE_UNKNOWN);
        assertThat(result.detail()).contains(id);
        assertThat(result.retryAfter()).isNull();
    }

    @Test
    void refusesADisabledDevice() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        graph.answer(id, GraphFixture.device(id, "STOLEN-PC", false, entraKey(device.certificate())));

        CheckResult result = check(config().check(), device);

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_DEVICE_DISABLED);
        assertThat(result.detail()).contains("STOLEN-PC");
    }

    @Test
    void refusesARegisteredKeyWithAnotherThumbprint() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        IssuedCertificate other = EntraPki.rsaDevice(id, ca);
        String key = entraKey(EntraPki.sha1Hex(other.certificate()), EntraPki.publicKeyHash(device.certificate().getPublicKey()));
        graph.answer(id, GraphFixture.device(id, "PC-1", true, key));

        CheckResult result = check(config().check(), device);

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_KEY_MISMATCH);
        assertThat(result.detail()).contains("thumbprint").contains(EntraPki.sha1Hex(other.certificate()));
    }

    @Test
    void refusesARegisteredKeyWithAnotherPublicKeyHash() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        IssuedCertificate other = EntraPki.rsaDevice(id, ca);
        String key = entraKey(EntraPki.sha1Hex(device.certificate()), EntraPki.publicKeyHash(other.certificate().getPublicKey()));
        graph.answer(id, GraphFixture.device(id, "PC-1", true, key));

        CheckResult result = check(config().check(), device);

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_KEY_MISMATCH);
        assertThat(result.detail()).contains("public-key hash");
    }

    @Test
    void hashesTheSubjectPublicKeyBitsNotTheWholeSubjectPublicKeyInfo() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        byte[] spki = device.certificate().getPublicKey().getEncoded();
        String spkiHash = java.util.Base64.getEncoder().encodeToString(
                java.security.MessageDigest.getInstance("SHA-256").digest(spki));
        graph.answer(id, GraphFixture.device(id, "PC-1", true, entraKey(EntraPki.sha1Hex(device.certificate()), spkiHash)));

        CheckResult result = check(config().check(), device);

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_KEY_MISMATCH);
    }

    @Test
    void refusesADeviceOfAnotherTrustType() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        graph.answer(id, GraphFixture.device(id, "PC-1", true, entraKey(device.certificate())));

        CheckResult hybridOnly = check(config().trustTypes("ServerAd").check(), device);
        CheckResult joined = check(config().trustTypes("Workplace", "azuread").check(), device);

        assertThat(hybridOnly.reason()).isEqualTo(RejectReason.ENTRA_DEVICE_NOT_COMPLIANT);
        assertThat(hybridOnly.detail()).contains("AzureAd");
        assertThat(joined.passed()).as(joined.detail()).isTrue();
    }

    @Test
    void refusesANonCompliantDeviceWhenComplianceIsRequired() throws Exception {
        String id = newDeviceId();
        String unknownId = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        IssuedCertificate unsure = EntraPki.rsaDevice(unknownId, ca);
        graph.answer(id, GraphFixture.device(id, "PC-1", true, entraKey(device.certificate())).put("isCompliant", false));
        ObjectNode noVerdict = GraphFixture.device(unknownId, "PC-2", true, entraKey(unsure.certificate()));
        noVerdict.remove("isCompliant");
        graph.answer(unknownId, noVerdict);
        EntraDeviceCheck check = config().requireCompliant().check();

        assertThat(check(check, device).reason()).isEqualTo(RejectReason.ENTRA_DEVICE_NOT_COMPLIANT);
        assertThat(check(check, unsure).reason()).isEqualTo(RejectReason.ENTRA_DEVICE_NOT_COMPLIANT);
        assertThat(check(config().check(), device).passed()).isTrue();
    }

    @Test
    void refusesAnUnmanagedDeviceWhenManagementIsRequired() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        graph.answer(id, GraphFixture.device(id, "PC-1", true, entraKey(device.certificate())).put("isManaged", false));

        CheckResult result = check(config().requireManaged().check(), device);

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_DEVICE_NOT_COMPLIANT);
        assertThat(result.detail()).contains("managed");
    }

    // --- not a device certificate: no Graph call -----------------------------------------------

    @Test
    void refusesACertificateFromAnotherIssuer() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, EntraPki.ca("CN=Contoso Devices"));

        CheckResult result = check(config().check(), device);

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_NOT_DEVICE_CERTIFICATE);
        assertThat(result.detail()).contains("CN=Contoso Devices");
        assertThat(graph.totalCalls()).isZero();
    }

    @Test
    void refusesACommonNameThatIsNotAGuid() throws Exception {
        EntraDeviceCheck check = config().check();

        CheckResult name = check(check, EntraPki.rsaDevice("kiosk-1", ca));
        CheckResult lenientGuid = check(check, EntraPki.rsaDevice("1-2-3-4-5", ca)); // UUID.fromString would take it

        assertThat(name.reason()).isEqualTo(RejectReason.ENTRA_NOT_DEVICE_CERTIFICATE);
        assertThat(name.detail()).contains("kiosk-1");
        assertThat(lenientGuid.reason()).isEqualTo(RejectReason.ENTRA_NOT_DEVICE_CERTIFICATE);
        assertThat(graph.totalCalls()).isZero();
    }

    @Test
    void refusesACertificateNotSignedByTheIssuerCaBundle() throws Exception {
        Path bundle = Files.writeString(dir.resolve("ms-organization-access.pem"), ca.certificatePem(), StandardCharsets.US_ASCII);
        IssuedCertificate impostorCa = EntraPki.ca(EntraPki.ISSUER); // same name, other key
        String forgedId = newDeviceId();
        String genuineId = newDeviceId();
        IssuedCertificate forged = EntraPki.rsaDevice(forgedId, impostorCa);
        IssuedCertificate genuine = EntraPki.rsaDevice(genuineId, ca);
        graph.answer(genuineId, GraphFixture.device(genuineId, "PC-1", true, entraKey(genuine.certificate())));
        EntraDeviceCheck check = config().issuerCaBundle(bundle).check();

        CheckResult forgedResult = check(check, forged);
        CheckResult genuineResult = check(check, genuine);

        assertThat(forgedResult.reason()).isEqualTo(RejectReason.ENTRA_NOT_DEVICE_CERTIFICATE);
        assertThat(forgedResult.detail()).contains("entra.issuerCaBundle");
        assertThat(graph.calls(forgedId)).isZero();
        assertThat(genuineResult.passed()).as(genuineResult.detail()).isTrue();
    }

    @Test
    void comparesTheIssuerAsADistinguishedNameNotAsText() throws Exception {
        IssuedCertificate realCa = EntraPki.ca(EntraPki.REAL_ISSUER);
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, realCa);
        graph.answer(id, GraphFixture.device(id, "PC-1", true, entraKey(device.certificate())));
        String spelledDifferently =
                "ou=82DBACA4-3E81-46CA-9C73-0950C1EACA97, cn=ms-organization-access, dc=windows,  dc=net";

        CheckResult sameName = check(config().issuer(spelledDifferently).check(), device);
        CheckResult shorterName = check(config().issuer("CN=MS-Organization-Access").check(), device);

        assertThat(sameName.passed()).as(sameName.detail()).isTrue();
        assertThat(shorterName.reason()).isEqualTo(RejectReason.ENTRA_NOT_DEVICE_CERTIFICATE);
    }

    // --- cache and single flight ---------------------------------------------------------------

    @Test
    void answersTheSecondCheckFromTheCache() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        graph.answer(id, GraphFixture.device(id, "PC-1", true, entraKey(device.certificate())));
        EntraDeviceCheck check = config().check();

        CheckResult first = check(check, device);
        EntraOutcome second = verify(check, device);

        assertThat(first.passed()).isTrue();
        assertThat(second.result().passed()).isTrue();
        assertThat(second.verifiedDevice()).map(EntraDevice::displayName).hasValue("PC-1");
        assertThat(graph.calls(id)).isEqualTo(1);
        assertThat(check.counters().graphCalls()).isEqualTo(1);
        assertThat(check.counters().cacheHits()).isEqualTo(1);
    }

    @Test
    void forgetsNegativeAnswersAfterTheNegativeTtlAndPositiveOnesAfterThePositiveTtl() throws Exception {
        String unknownId = newDeviceId();
        String knownId = newDeviceId();
        IssuedCertificate unknown = EntraPki.rsaDevice(unknownId, ca);
        IssuedCertificate known = EntraPki.rsaDevice(knownId, ca);
        graph.noDevice(unknownId);
        graph.answer(knownId, GraphFixture.device(knownId, "PC-1", true, entraKey(known.certificate())));
        EntraDeviceCheck check = config().check(); // negativeTtl 1m, positiveTtl 10m

        check(check, unknown);
        check(check, known);
        time.advance(Duration.ofSeconds(59));
        check(check, unknown);
        assertThat(graph.calls(unknownId)).isEqualTo(1);

        time.advance(Duration.ofSeconds(2));
        assertThat(check(check, unknown).reason()).isEqualTo(RejectReason.ENTRA_DEVICE_UNKNOWN);
        assertThat(check(check, known).passed()).isTrue();
        assertThat(graph.calls(unknownId)).isEqualTo(2);
        assertThat(graph.calls(knownId)).isEqualTo(1);

        time.advance(Duration.ofMinutes(9));
        check(check, known);
        assertThat(graph.calls(knownId)).isEqualTo(2);
    }

    @Test
    void sendsOneGraphLookupForManyConcurrentChecksOfOneDevice() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        CountDownLatch release = new CountDownLatch(1);
        graph.held(id, GraphFixture.device(id, "PC-1", true, entraKey(device.certificate())), release);
        EntraDeviceCheck check = config().check();
        ClientIdentity identity = identity(device);
        int callers = 20;
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        toClose.add(threads::shutdownNow);
        CyclicBarrier start = new CyclicBarrier(callers);

        List<Future<CompletableFuture<CheckResult>>> submitted = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            submitted.add(threads.submit(() -> {
                start.await(10, TimeUnit.SECONDS);
                return check.check(identity, CONTEXT);
            }));
        }
        List<CompletableFuture<CheckResult>> results = new ArrayList<>();
        for (Future<CompletableFuture<CheckResult>> future : submitted) {
            results.add(future.get(10, TimeUnit.SECONDS));
        }
        assertThat(results).noneMatch(CompletableFuture::isDone);
        release.countDown();

        for (CompletableFuture<CheckResult> result : results) {
            assertThat(result.get(10, TimeUnit.SECONDS).passed()).isTrue();
        }
        assertThat(graph.calls(id)).isEqualTo(1);
        assertThat(check.counters().graphCalls()).isEqualTo(1);
        assertThat(check.counters().joinedLookups()).isEqualTo(callers - 1);
    }

    // --- Graph outages: retryable, never cached ------------------------------------------------

    @Test
    void treatsThrottlingAsUnavailableAndBacksOffForRetryAfterSeconds() throws Exception {
        String throttledId = newDeviceId();
        String laterId = newDeviceId();
        IssuedCertificate throttled = EntraPki.rsaDevice(throttledId, ca);
        IssuedCertificate later = EntraPki.rsaDevice(laterId, ca);
        graph.status(throttledId, 429, Map.of("Retry-After", "7"));
        graph.answer(laterId, GraphFixture.device(laterId, "PC-2", true, entraKey(later.certificate())));
        EntraDeviceCheck check = config().check();

        CheckResult first = check(check, throttled);
        CheckResult duringBackOff = check(check, later);

        assertThat(first.reason()).isEqualTo(RejectReason.ENTRA_UNAVAILABLE);
        assertThat(first.reason().isRetryable()).isTrue();
        assertThat(first.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThat(duringBackOff.reason()).isEqualTo(RejectReason.ENTRA_UNAVAILABLE);
        assertThat(duringBackOff.retryAfter()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(7));
        assertThat(graph.calls(laterId)).isZero();

        time.advance(Duration.ofSeconds(8));
        assertThat(check(check, later).passed()).isTrue();
        check(check, throttled);
        assertThat(graph.calls(throttledId)).as("a 429 is not cached").isEqualTo(2);
        assertThat(check.counters().throttled()).isEqualTo(2);
    }

    @Test
    void readsAnHttpDateRetryAfter() throws Exception {
        String id = newDeviceId();
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(time.instant().plusSeconds(120).atOffset(ZoneOffset.UTC));
        graph.status(id, 429, Map.of("Retry-After", date));

        CheckResult result = check(config().check(), EntraPki.rsaDevice(id, ca));

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_UNAVAILABLE);
        assertThat(result.retryAfter()).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void treatsAServerErrorAsUnavailableAndDoesNotCacheIt() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        graph.status(id, 500, Map.of());
        EntraDeviceCheck check = config().check();

        CheckResult outage = check(check, device);
        graph.answer(id, GraphFixture.device(id, "PC-1", true, entraKey(device.certificate())));
        CheckResult recovered = check(check, device);

        assertThat(outage.reason()).isEqualTo(RejectReason.ENTRA_UNAVAILABLE);
        assertThat(outage.retryAfter()).isEqualTo(Duration.ofSeconds(5));
        assertThat(outage.detail()).contains("500");
        assertThat(recovered.passed()).as(recovered.detail()).isTrue();
        assertThat(graph.calls(id)).isEqualTo(2);
        assertThat(check.counters().outages()).isEqualTo(1);
    }

    @Test
    void passesOnGraphsRetryAfterWithAServiceUnavailable() throws Exception {
        String id = newDeviceId();
        graph.status(id, 503, Map.of("Retry-After", "30"));

        CheckResult result = check(config().check(), EntraPki.rsaDevice(id, ca));

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_UNAVAILABLE);
        assertThat(result.retryAfter()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void explainsAMissingGraphPermission() throws Exception {
        String id = newDeviceId();
        graph.status(id, 403, Map.of());

        CheckResult result = check(config().check(), EntraPki.rsaDevice(id, ca));

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_UNAVAILABLE);
        assertThat(result.detail()).contains("403").contains("Device.Read.All");
    }

    @Test
    void givesUpOnASlowGraphWithinTheTimeout() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        graph.held(id, GraphFixture.device(id, "PC-1", true, entraKey(device.certificate())), new CountDownLatch(1));
        Config config = config().timeout(Duration.ofSeconds(1));
        TokenCredential credential = credentialFor(config.build());
        credential.getTokenSync(new TokenRequestContext().addScopes(graph.resource() + "/.default")); // token ready
        EntraDeviceCheck check = config.check(credential);

        long start = System.nanoTime();
        CheckResult result = check(check, device);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_UNAVAILABLE);
        assertThat(result.detail()).contains("within");
        assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
        assertThat(graph.calls(id)).isEqualTo(1);
    }

    @Test
    void treatsAnUnreachableGraphAsUnavailable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        URI nowhere = URI.create("https://127.0.0.1:" + closedPort + "/graph-unreachable-" + newDeviceId());
        identityEndpoint.grant(nowhere.toString(), "token-for-nowhere", time.instant().plus(Duration.ofHours(1)));

        CheckResult result = check(config().graphEndpoint(nowhere).check(), EntraPki.rsaDevice(newDeviceId(), ca));

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_UNAVAILABLE);
        assertThat(result.retryAfter()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void treatsARefusedTokenAsUnavailableWithoutAskingGraph() throws Exception {
        identityEndpoint.refuse(graph.resource(), 400);
        String id = newDeviceId();

        CheckResult result = check(config().check(), EntraPki.rsaDevice(id, ca));

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_UNAVAILABLE);
        assertThat(result.detail()).contains("token");
        assertThat(graph.totalCalls()).isZero();
    }

    @Test
    void admitsDuringAnOutageWhenConfiguredToFailOpen() throws Exception {
        String id = newDeviceId();
        graph.status(id, 500, Map.of());
        EntraDeviceCheck check = config().failOpen().check();
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(EntraDeviceCheck.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        toClose.add(() -> logger.detachAppender(logs));

        EntraOutcome outcome = verify(check, EntraPki.rsaDevice(id, ca));

        assertThat(outcome.result().passed()).isTrue();
        assertThat(outcome.result().detail()).contains("FAIL_OPEN");
        assertThat(outcome.verifiedDevice()).isEmpty();
        assertThat(outcome.admittedWithoutGraph()).isTrue();
        assertThat(check.counters().softPasses()).isEqualTo(1);
        assertThat(check.counters().outages()).isEqualTo(1);
        assertThat(logs.list).anySatisfy(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.WARN);
            assertThat(event.getFormattedMessage()).contains("FAIL_OPEN").contains(id);
        });
    }

    @Test
    void refusesAllChecksOnceClosed() throws Exception {
        String id = newDeviceId();
        EntraDeviceCheck check = config().check();
        check.close();

        CheckResult result = check(check, EntraPki.rsaDevice(id, ca));

        assertThat(result.reason()).isEqualTo(RejectReason.ENTRA_UNAVAILABLE);
        assertThat(graph.totalCalls()).isZero();
    }

    // --- credentials ---------------------------------------------------------------------------

    @Test
    void asksForAUserAssignedIdentityByItsClientId() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        graph.answer(id, GraphFixture.device(id, "PC-1", true, entraKey(device.certificate())));
        String clientId = "5b3e7a1c-0d7e-4f7e-9a56-2f4c1d2e9b10";

        CheckResult result = check(config()
                .credential(new CredentialConfig("managedIdentity", null, clientId, null, null, null)).check(), device);

        assertThat(result.passed()).as(result.detail()).isTrue();
        assertThat(identityEndpoint.requests(graph.resource()))
                .singleElement()
                .satisfies(query -> assertThat(query).containsEntry("client_id", clientId));
    }

    @Test
    void findsTheManagedIdentityThroughTheDefaultCredential() throws Exception {
        String id = newDeviceId();
        IssuedCertificate device = EntraPki.rsaDevice(id, ca);
        graph.answer(id, GraphFixture.device(id, "PC-1", true, entraKey(device.certificate())));

        CheckResult result = check(config().credential(CredentialConfig.defaults()).check(), device);

        assertThat(result.passed()).as(result.detail()).isTrue();
        assertThat(identityEndpoint.requests(graph.resource())).hasSize(1);
    }

    @Test
    void reusesTheTokenForLaterLookups() throws Exception {
        String first = newDeviceId();
        String second = newDeviceId();
        IssuedCertificate one = EntraPki.rsaDevice(first, ca);
        IssuedCertificate two = EntraPki.rsaDevice(second, ca);
        graph.answer(first, GraphFixture.device(first, "PC-1", true, entraKey(one.certificate())));
        graph.answer(second, GraphFixture.device(second, "PC-2", true, entraKey(two.certificate())));
        EntraDeviceCheck check = config().check();

        assertThat(check(check, one).passed()).isTrue();
        assertThat(check(check, two).passed()).isTrue();

        assertThat(identityEndpoint.requests(graph.resource())).hasSize(1);
        assertThat(graph.totalCalls()).isEqualTo(2);
    }

    // --- helpers -------------------------------------------------------------------------------

    private static CheckResult check(EntraDeviceCheck check, IssuedCertificate device) throws Exception {
        return check.check(identity(device), CONTEXT).get(10, TimeUnit.SECONDS);
    }

    private static EntraOutcome verify(EntraDeviceCheck check, IssuedCertificate device) throws Exception {
        return check.verify(identity(device), CONTEXT).get(10, TimeUnit.SECONDS);
    }

    private TokenCredential credentialFor(EntraConfig config) throws ConfigException {
        return EntraCredentials.fromConfig(config.credential(), config.timeout(), credentialThreads);
    }

    private Config config() {
        return new Config();
    }

    /** The settings under test, defaults as in production except the Graph endpoint and credential. */
    private final class Config {
        private URI graphEndpoint = graph.endpoint();
        private CredentialConfig credential = MANAGED_IDENTITY;
        private Path issuerCaBundle;
        private String issuer = EntraPki.ISSUER;
        private Duration timeout = Duration.ofSeconds(10);
        private List<String> trustTypes = List.of();
        private boolean requireCompliant;
        private boolean requireManaged;
        private FailMode whenUnavailable = FailMode.FAIL_CLOSED;

        Config graphEndpoint(URI value) {
            graphEndpoint = value;
            return this;
        }

        Config credential(CredentialConfig value) {
            credential = value;
            return this;
        }

        Config issuerCaBundle(Path value) {
            issuerCaBundle = value;
            return this;
        }

        Config issuer(String value) {
            issuer = value;
            return this;
        }

        Config timeout(Duration value) {
            timeout = value;
            return this;
        }

        Config trustTypes(String... values) {
            trustTypes = List.of(values);
            return this;
        }

        Config requireCompliant() {
            requireCompliant = true;
            return this;
        }

        Config requireManaged() {
            requireManaged = true;
            return this;
        }

        Config failOpen() {
            whenUnavailable = FailMode.FAIL_OPEN;
            return this;
        }

        EntraConfig build() {
            return new EntraConfig(graphEndpoint, credential, issuerCaBundle, issuer, Duration.ofMinutes(10),
                    Duration.ofMinutes(1), 1000, timeout, trustTypes, requireCompliant, requireManaged, whenUnavailable);
        }

        EntraDeviceCheck check() throws ConfigException {
            return check(credentialFor(build()));
        }

        EntraDeviceCheck check(TokenCredential tokenCredential) throws ConfigException {
            EntraDeviceCheck check = new EntraDeviceCheck(build(), tokenCredential, graph.client(), time, time);
            toClose.add(check);
            return check;
        }
    }
}
