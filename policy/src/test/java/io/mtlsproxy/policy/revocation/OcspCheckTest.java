package io.mtlsproxy.policy.revocation;

import static io.mtlsproxy.policy.revocation.RevocationPki.at;
import static io.mtlsproxy.policy.revocation.RevocationPki.client;
import static io.mtlsproxy.policy.revocation.RevocationPki.clientWithUrls;
import static io.mtlsproxy.policy.revocation.RevocationPki.identity;
import static io.mtlsproxy.policy.revocation.RevocationPki.root;
import static io.mtlsproxy.policy.revocation.RevocationPki.trust;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import io.mtlsproxy.core.config.ConfigException;
import io.mtlsproxy.core.config.RevocationConfig;
import io.mtlsproxy.core.config.RevocationConfig.FailMode;
import io.mtlsproxy.core.config.RevocationConfig.OcspConfig;
import io.mtlsproxy.core.pki.IssuedCertificate;
import io.mtlsproxy.policy.AsyncCertificateCheck;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** OCSP against a real responder: {@code openssl ocsp}, started per test. */
@Timeout(60)
class OcspCheckTest {
    /** openssl stamps its answers with the real time, so these certificates live around it. */
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final IssuedCertificate ca = root("CN=Devices OCSP CA", now);
    private final IssuedCertificate good = client("CN=kiosk-1", ca, now);
    private final IssuedCertificate revoked = client("CN=kiosk-2", ca, now);
    private final Instant revokedAt = now.minus(Duration.ofDays(3)).truncatedTo(ChronoUnit.SECONDS);
    private final OpensslOcspResponder.Index index = new OpensslOcspResponder.Index()
            .valid(good)
            .revoked(revoked, revokedAt, "keyCompromise");
    private final FakeClock clock = new FakeClock(now);
    private final ExecutorService http = Executors.newCachedThreadPool();
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private Revocation revocation;

    @TempDir
    Path dir;

    @AfterEach
    void close() throws Exception {
        if (revocation != null) {
            revocation.close();
        }
        for (AutoCloseable closeable : closeLater) {
            closeable.close();
        }
        http.shutdownNow();
        assertThat(http.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aGoodCertificatePasses() throws Exception {
        OpensslOcspResponder responder = responder(ca, 0);
        AsyncCertificateCheck check = ocsp(responder.uri(), FailMode.FAIL_CLOSED);

        CheckResult result = check.check(identity(good), at(now)).get();

        assertThat(result.passed()).as(result.detail()).isTrue();
        assertThat(revocation.stats().ocspRequests()).isEqualTo(1);
    }

    @Test
    void aRevokedCertificateIsRefusedWithTheResponderDateAndReason() throws Exception {
        OpensslOcspResponder responder = responder(ca, 0);
        AsyncCertificateCheck check = ocsp(responder.uri(), FailMode.FAIL_CLOSED);

        CheckResult result = check.check(identity(revoked), at(now)).get();

        assertThat(result.reason()).isEqualTo(RejectReason.REVOKED);
        assertThat(result.detail())
                .startsWith("OCSP responder " + responder.uri() + ": serial " + identity(revoked).serial())
                .contains("revoked at " + revokedAt)
                .contains("reason key_compromise (1)");
        assertThat(revocation.isRevoked(identity(revoked))).as("the cached answer counts for the sweep").isTrue();
        assertThat(revocation.isRevoked(identity(good))).isFalse();
    }

    @Test
    void theResponderInTheCertificatesAiaIsAskedWhenNoneIsConfigured() throws Exception {
        // openssl picks its port, so the serial goes into its database first and the certificate naming the port after
        BigInteger serial = new BigInteger(64, new SecureRandom()).setBit(63);
        IssuedCertificate placeholder = RevocationPki.clientWithUrls("CN=kiosk-aia", ca, null, null, now, serial);
        OpensslOcspResponder responder = OpensslOcspResponder.start(dir, ca, ca,
                new OpensslOcspResponder.Index().revoked(placeholder, revokedAt, "superseded"), 0);
        closeLater.add(responder);
        IssuedCertificate device = RevocationPki.clientWithUrls("CN=kiosk-aia", ca, null, responder.uri(), now, serial);
        AsyncCertificateCheck check = ocsp(null, FailMode.FAIL_CLOSED);

        CheckResult result = check.check(identity(device), at(now)).get();

        assertThat(result.reason()).as(result.detail()).isEqualTo(RejectReason.REVOKED);
        assertThat(result.detail()).startsWith("OCSP responder " + responder.uri() + ": serial " + serial.toString(16))
                .contains("reason superseded (4)");
    }

    @Test
    void aCertificateTheResponderDoesNotKnowIsRevocationUnknown() throws Exception {
        OpensslOcspResponder responder = responder(ca, 0);
        AsyncCertificateCheck check = ocsp(responder.uri(), FailMode.FAIL_CLOSED);
        IssuedCertificate stranger = client("CN=kiosk-unknown", ca, now);

        CheckResult result = check.check(identity(stranger), at(now)).get();

        assertThat(result.reason()).isEqualTo(RejectReason.REVOCATION_UNKNOWN);
        assertThat(result.detail()).isEqualTo("OCSP responder " + responder.uri() + " does not know serial " + identity(stranger).serial());
    }

    @Test
    void aCertificateWithoutResponderIsRevocationUnknown() throws Exception {
        AsyncCertificateCheck check = ocsp(null, FailMode.FAIL_CLOSED);

        CheckResult result = check.check(identity(good), at(now)).get();

        assertThat(result.reason()).isEqualTo(RejectReason.REVOCATION_UNKNOWN);
        assertThat(result.detail()).contains("names no OCSP responder (AIA) and revocation.ocsp.responder is not set");
    }

    @Test
    void aResponderThatIsDownFailsHardAsRevocationUnknown() throws Exception {
        AsyncCertificateCheck check = ocsp(CrlHttpTest.unusedPortUri("/"), FailMode.FAIL_CLOSED);

        CheckResult result = check.check(identity(good), at(now)).get();

        assertThat(result.reason()).isEqualTo(RejectReason.REVOCATION_UNKNOWN);
        assertThat(result.detail()).contains("connection refused");
        assertThat(revocation.stats().ocspHardFailRefusals()).isEqualTo(1);
    }

    @Test
    void aResponderThatIsDownFailsSoftByPassingWithACountAndOneWarning() throws Exception {
        ListAppender<ILoggingEvent> logs = CrlFileTest.capture(OcspCheck.class);
        AsyncCertificateCheck check = ocsp(CrlHttpTest.unusedPortUri("/"), FailMode.FAIL_OPEN);

        CheckResult first = check.check(identity(good), at(now)).get();
        CheckResult second = check.check(identity(revoked), at(now)).get();

        assertThat(first.passed()).isTrue();
        assertThat(first.detail()).startsWith("no OCSP answer, passed by ocsp.whenUnavailable: FAIL_OPEN: ");
        assertThat(second.passed()).isTrue();
        assertThat(revocation.stats().ocspSoftFailPasses()).isEqualTo(2);
        assertThat(revocation.stats().ocspRequests()).as("outages are not cached").isEqualTo(2);
        assertThat(logs.list).filteredOn(event -> event.getLevel() == Level.WARN).hasSize(1);
    }

    @Test
    void aSlowResponderTimesOutWithoutHoldingTheCaller() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer silent = server(exchange -> {
            await(release);
            exchange.close();
        });
        AsyncCertificateCheck check = ocsp(URI.create("http://127.0.0.1:" + silent.getAddress().getPort() + "/"),
                FailMode.FAIL_CLOSED, Duration.ofMillis(300));

        CompletableFuture<CheckResult> pending = check.check(identity(good), at(now));
        assertThat(pending).as("the caller gets a future at once").isNotDone();
        CheckResult result = pending.get(10, TimeUnit.SECONDS);
        release.countDown();

        assertThat(result.reason()).isEqualTo(RejectReason.REVOCATION_UNKNOWN);
        assertThat(result.detail()).contains("timed out");
    }

    @Test
    void answersAreCachedUntilTheirNextUpdate() throws Exception {
        OpensslOcspResponder responder = responder(ca, 1); // answers once, then exits
        AsyncCertificateCheck check = ocsp(responder.uri(), FailMode.FAIL_CLOSED);

        CheckResult first = check.check(identity(good), at(now)).get();
        CompletableFuture<CheckResult> second = check.check(identity(good), at(now));

        assertThat(first.passed()).as(first.detail()).isTrue();
        assertThat(second).as("answered from the cache, on the caller's thread").isDone();
        assertThat(second.get().passed()).isTrue();
        assertThat(revocation.stats().ocspRequests()).isEqualTo(1);
        assertThat(revocation.stats().ocspCacheHits()).isEqualTo(1);

        clock.advance(Duration.ofDays(1).plusMinutes(1)); // openssl -ndays 1: past nextUpdate
        CheckResult third = check.check(identity(good), at(clock.instant())).get();

        assertThat(revocation.stats().ocspRequests()).as("asked again").isEqualTo(2);
        assertThat(third.reason()).as("the responder is gone").isEqualTo(RejectReason.REVOCATION_UNKNOWN);
    }

    @Test
    void concurrentChecksOfOneCertificateSendOneRequest() throws Exception {
        OpensslOcspResponder responder = responder(ca, 0);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger forwarded = new AtomicInteger();
        HttpClient forwarder = HttpClient.newBuilder().executor(http).build();
        HttpServer gate = server(exchange -> {
            forwarded.incrementAndGet();
            byte[] request = exchange.getRequestBody().readAllBytes();
            await(release);
            try {
                HttpResponse<byte[]> answer = forwarder.send(HttpRequest.newBuilder(responder.uri())
                        .header("Content-Type", "application/ocsp-request")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build(), HttpResponse.BodyHandlers.ofByteArray());
                exchange.sendResponseHeaders(answer.statusCode(), answer.body().length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer.body());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        AsyncCertificateCheck check = ocsp(URI.create("http://127.0.0.1:" + gate.getAddress().getPort() + "/"),
                FailMode.FAIL_CLOSED, Duration.ofSeconds(20));

        List<CompletableFuture<CheckResult>> checks = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            checks.add(check.check(identity(good), at(now)));
        }
        assertThat(checks).as("all in flight together").noneMatch(CompletableFuture::isDone);
        release.countDown();
        CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

        assertThat(checks).allSatisfy(result -> assertThat(result.get().passed()).isTrue());
        assertThat(forwarded).as("one request reached the responder").hasValue(1);
        assertThat(revocation.stats().ocspRequests()).isEqualTo(1);
    }

    @Test
    void aDelegatedResponderCertifiedForOcspSigningIsTrusted() throws Exception {
        IssuedCertificate delegate = RevocationPki.ocspResponder("CN=Devices OCSP Responder", ca, true, now);
        OpensslOcspResponder responder = responder(delegate, 0);
        AsyncCertificateCheck check = ocsp(responder.uri(), FailMode.FAIL_CLOSED);

        assertThat(check.check(identity(good), at(now)).get().passed()).isTrue();
        assertThat(check.check(identity(revoked), at(now)).get().reason()).isEqualTo(RejectReason.REVOKED);
    }

    @Test
    void aResponderCertificateWithoutOcspSigningIsNotTrusted() throws Exception {
        IssuedCertificate impostor = RevocationPki.ocspResponder("CN=Some Device", ca, false, now);
        OpensslOcspResponder responder = responder(impostor, 0);
        AsyncCertificateCheck check = ocsp(responder.uri(), FailMode.FAIL_CLOSED);

        CheckResult result = check.check(identity(revoked), at(now)).get();

        assertThat(result.reason()).isEqualTo(RejectReason.REVOCATION_UNKNOWN);
        assertThat(result.detail()).contains("lacks the id-kp-OCSPSigning extended key usage");
    }

    @Test
    void anAnswerSignedByAnotherCaIsNotTrusted() throws Exception {
        IssuedCertificate otherCa = root("CN=Other CA", now);
        OpensslOcspResponder responder = responder(otherCa, 0);
        AsyncCertificateCheck check = ocsp(responder.uri(), FailMode.FAIL_CLOSED);

        CheckResult result = check.check(identity(good), at(now)).get();

        assertThat(result.reason()).isEqualTo(RejectReason.REVOCATION_UNKNOWN);
        assertThat(result.detail()).contains("response not signed by 'CN=Devices OCSP CA'");
    }

    @Test
    void aReplayedAnswerToAnotherRequestIsRefusedByItsNonce() throws Exception {
        OpensslOcspResponder responder = responder(ca, 0);
        byte[][] recorded = new byte[1][];
        HttpClient forwarder = HttpClient.newBuilder().executor(http).build();
        HttpServer replayer = server(exchange -> {
            byte[] request = exchange.getRequestBody().readAllBytes();
            if (recorded[0] == null) {
                try {
                    recorded[0] = forwarder.send(HttpRequest.newBuilder(responder.uri())
                            .header("Content-Type", "application/ocsp-request")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(200, recorded[0].length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(recorded[0]);
            }
            exchange.close();
        });
        URI uri = URI.create("http://127.0.0.1:" + replayer.getAddress().getPort() + "/");
        assertThat(ocsp(uri, FailMode.FAIL_CLOSED).check(identity(good), at(now)).get().passed()).isTrue();
        revocation.close();

        // a second gateway (no cache) asks about the same device and gets the first answer back
        CheckResult replayed = ocsp(uri, FailMode.FAIL_CLOSED).check(identity(good), at(now)).get();

        assertThat(replayed.reason()).isEqualTo(RejectReason.REVOCATION_UNKNOWN);
        assertThat(replayed.detail()).contains("answered with another request's nonce");
    }

    private OpensslOcspResponder responder(IssuedCertificate signer, int requests) throws IOException {
        OpensslOcspResponder responder = OpensslOcspResponder.start(dir, ca, signer, index, requests);
        closeLater.add(responder);
        return responder;
    }

    private AsyncCertificateCheck ocsp(URI responder, FailMode mode) throws ConfigException {
        return ocsp(responder, mode, Duration.ofSeconds(5));
    }

    private AsyncCertificateCheck ocsp(URI responder, FailMode mode, Duration timeout) throws ConfigException {
        RevocationConfig config = new RevocationConfig(null, null, null, null, null,
                new OcspConfig(true, responder, timeout, mode, 100), null);
        revocation = Revocation.fromConfig(config, trust(ca), clock, new ManualScheduler(clock), http);
        assertThat(revocation.handshakeCheck()).as("OCSP alone has no handshake part").isNull();
        return revocation.ocspCheck();
    }

    private HttpServer server(com.sun.net.httpserver.HttpHandler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", handler);
        server.setExecutor(http);
        server.start();
        closeLater.add(() -> server.stop(0));
        return server;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
