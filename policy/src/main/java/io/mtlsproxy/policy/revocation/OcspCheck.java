package io.mtlsproxy.policy.revocation;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.mtlsproxy.core.config.RevocationConfig.FailMode;
import io.mtlsproxy.core.config.RevocationConfig.OcspConfig;
import io.mtlsproxy.core.identity.ClientIdentity;
import io.mtlsproxy.policy.AsyncCertificateCheck;
import io.mtlsproxy.policy.CheckContext;
import io.mtlsproxy.policy.CheckResult;
import io.mtlsproxy.policy.RejectReason;
import io.mtlsproxy.policy.TrustMaterial;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.cert.ocsp.jcajce.JcaCertificateID;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OCSP for client certificates ({@code revocation.ocsp}), after the handshake and never on the
 * caller's thread: the request is built, sent (HTTP POST, {@code application/ocsp-request}) and the
 * answer verified on the executor given at construction, within {@code revocation.ocsp.timeout}.
 *
 * <p>The responder is {@code revocation.ocsp.responder}, or else the leaf's AIA OCSP URL. A
 * response counts only when signed by the leaf's issuer, or by a responder certificate that issuer
 * signed with id-kp-OCSPSigning; when it echoes our nonce correctly (a response without a nonce is
 * accepted, as pre-signed responses have none); and when it is current (thisUpdate not in the
 * future, nextUpdate not past, both with 5 minutes of tolerance; without nextUpdate, thisUpdate
 * within a day).
 *
 * <p>GOOD and REVOKED answers are cached per leaf until their nextUpdate (5 minutes when the
 * responder gives none), bounded by {@code revocation.ocsp.cacheSize}; at most one request per
 * leaf is in flight, however many connections ask. No answer (responder down, slow, unverifiable,
 * or "unknown") is never cached and is decided by {@code revocation.ocsp.whenUnavailable}:
 * {@code FAIL_CLOSED} refuses with {@link RejectReason#REVOCATION_UNKNOWN}, {@code FAIL_OPEN}
 * passes, counts and logs a warning once per responder outage.
 */
public final class OcspCheck implements AsyncCertificateCheck {
    public static final String NAME = "ocsp";
    /** How long an answer without nextUpdate is cached. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    private static final Duration TOLERANCE = Duration.ofMinutes(5);
    private static final Duration MAX_AGE_WITHOUT_NEXT_UPDATE = Duration.ofDays(1);
    private static final long MAX_RESPONSE_BYTES = 1024 * 1024;
    private static final int MAX_IN_FLIGHT = 4096;
    private static final String OCSP_SIGNING = KeyPurposeId.id_kp_OCSPSigning.getId();
    private static final CheckResult PASSED = CheckResult.pass(NAME);
    private static final SecureRandom RANDOM = new SecureRandom();

    private static final Logger log = LoggerFactory.getLogger(OcspCheck.class);

    private final OcspConfig config;
    private final IssuerResolver issuers;
    private final Clock clock;
    private final HttpFetcher http;
    private final Executor executor;
    private final Counters counters;
    private final DigestCalculatorProvider digests;
    private final Cache<String, Answer> answers;
    private final ConcurrentHashMap<String, CompletableFuture<Answer>> inFlight = new ConcurrentHashMap<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /**
     * @param httpClient sends the requests; its executor should be {@code executor} or another background pool
     * @param executor builds requests and verifies answers; never an event loop
     */
    public OcspCheck(OcspConfig config, TrustMaterial trust, Clock clock, HttpClient httpClient, Executor executor) {
        this(config, trust, clock, httpClient, executor, new Counters());
    }

    OcspCheck(OcspConfig config, TrustMaterial trust, Clock clock, HttpClient httpClient, Executor executor, Counters counters) {
        this.config = Objects.requireNonNull(config, "config");
        this.issuers = new IssuerResolver(Objects.requireNonNull(trust, "trust"));
        this.clock = Objects.requireNonNull(clock, "clock");
        this.http = new HttpFetcher(httpClient);
        this.executor = Objects.requireNonNull(executor, "executor");
        this.counters = counters;
        try {
            this.digests = new JcaDigestCalculatorProviderBuilder().build();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("SHA-1 digest for OCSP certificate ids unavailable", e);
        }
        this.answers = Caffeine.newBuilder()
                .maximumSize(config.cacheSize())
                .expireAfter(Expiry.<String, Answer>writing((key, answer) -> answer.lifetime(clock.instant())))
                .executor(Runnable::run)
                .build();
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Completes at once from the cache, else on the executor within the timeout; never fails exceptionally. */
    @Override
    public CompletableFuture<CheckResult> check(ClientIdentity identity, CheckContext context) {
        String key = identity.sha256();
        Answer cached = cachedAnswer(key);
        if (cached != null) {
            counters.ocspCacheHits.increment();
            return CompletableFuture.completedFuture(toResult(cached));
        }
        CompletableFuture<Answer> flight = new CompletableFuture<>();
        CompletableFuture<Answer> existing = inFlight.putIfAbsent(key, flight);
        if (existing != null) {
            return existing.thenApply(this::toResult);
        }
        // a flight may have landed between the two looks
        cached = cachedAnswer(key);
        if (cached != null) {
            inFlight.remove(key, flight);
            counters.ocspCacheHits.increment();
            flight.complete(cached);
        } else if (inFlight.size() > MAX_IN_FLIGHT) {
            inFlight.remove(key, flight);
            flight.complete(Answer.unavailable("overload", "more than " + MAX_IN_FLIGHT + " OCSP requests in flight"));
        } else {
            launch(identity, key, flight);
        }
        return flight.thenApply(this::toResult);
    }

    /** True when a cached, current answer says the leaf is revoked (for the sweep of live connections). */
    public boolean isKnownRevoked(ClientIdentity identity) {
        Answer answer = cachedAnswer(identity.sha256());
        return answer != null && answer.kind == Kind.REVOKED;
    }

    /** Forgets every cached answer. */
    public void invalidateAll() {
        answers.invalidateAll();
    }

    private Answer cachedAnswer(String key) {
        Answer answer = answers.getIfPresent(key);
        return answer != null && clock.instant().isBefore(answer.validUntil) ? answer : null;
    }

    private void launch(ClientIdentity identity, String key, CompletableFuture<Answer> flight) {
        try {
            executor.execute(() -> {
                CompletableFuture<Answer> query;
                try {
                    query = query(identity);
                } catch (RuntimeException e) {
                    query = CompletableFuture.completedFuture(Answer.unavailable("error", "OCSP request failed: " + e));
                }
                query.whenComplete((answer, failure) -> {
                    Answer result = failure != null ? Answer.unavailable("error", "OCSP failed: " + HttpFetcher.describe(failure)) : answer;
                    if (result.kind != Kind.UNAVAILABLE) {
                        answers.put(key, result);
                    }
                    inFlight.remove(key, flight);
                    flight.complete(result);
                });
            });
        } catch (RejectedExecutionException e) {
            inFlight.remove(key, flight);
            flight.complete(Answer.unavailable("executor", "OCSP executor refused the request"));
        }
    }

    private CompletableFuture<Answer> query(ClientIdentity identity) {
        X509Certificate leaf = identity.leaf();
        X509Certificate issuer = issuers.verifiedIssuer(leaf, identity.chain());
        if (issuer == null) {
            return done(Answer.unavailable("issuer", "no CA among the configured ones or the presented chain signed '"
                    + leaf.getSubjectX500Principal().getName() + "': cannot ask OCSP about it"));
        }
        URI responder = config.responder();
        if (responder == null) {
            List<URI> fromCertificate = CertificateUrls.ocspResponders(leaf);
            if (fromCertificate.isEmpty()) {
                return done(Answer.unavailable("no-responder", "'" + leaf.getSubjectX500Principal().getName()
                        + "' names no OCSP responder (AIA) and revocation.ocsp.responder is not set"));
            }
            responder = fromCertificate.get(0);
        }
        CertificateID id;
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        byte[] request;
        DEROctetString nonceValue;
        try {
            id = new JcaCertificateID(digests.get(CertificateID.HASH_SHA1), issuer, leaf.getSerialNumber());
            nonceValue = new DEROctetString(new DEROctetString(nonce).getEncoded());
            OCSPReq built = new OCSPReqBuilder()
                    .addRequest(id)
                    .setRequestExtensions(new Extensions(new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false, nonceValue)))
                    .build();
            request = built.getEncoded();
        } catch (OCSPException | OperatorCreationException | GeneralSecurityException | IOException e) {
            return done(Answer.unavailable("request", "OCSP request cannot be built: " + e.getMessage()));
        }
        counters.ocspRequests.increment();
        URI target = responder;
        String responderKey = "responder:" + target;
        return http.post(target, "application/ocsp-request", "application/ocsp-response", request, config.timeout(), MAX_RESPONSE_BYTES)
                .thenApply(body -> verify(body, id, issuer, nonceValue.getOctets(), target))
                .exceptionally(failure -> Answer.unavailable(responderKey,
                        "OCSP responder " + target + ": " + HttpFetcher.describe(failure)));
    }

    /** The answer a response gives about our certificate id, or why it gives none. */
    private Answer verify(byte[] body, CertificateID id, X509Certificate issuer, byte[] nonce, URI responder) {
        String key = "responder:" + responder;
        String from = "OCSP responder " + responder;
        Instant now = clock.instant();
        BasicOCSPResp basic;
        try {
            OCSPResp response = new OCSPResp(body);
            if (response.getStatus() != OCSPResp.SUCCESSFUL) {
                return Answer.unavailable(key, from + " answered " + responseStatus(response.getStatus()));
            }
            if (!(response.getResponseObject() instanceof BasicOCSPResp b)) {
                return Answer.unavailable(key, from + " sent no basic OCSP response");
            }
            basic = b;
        } catch (IOException | OCSPException | RuntimeException e) {
            return Answer.unavailable(key, from + " sent an unreadable response (" + e.getMessage() + ")");
        }
        String signature = checkSignature(basic, issuer, now);
        if (signature != null) {
            return Answer.unavailable(key, from + ": " + signature);
        }
        Extension echoed = basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
        if (echoed != null && !Arrays.equals(echoed.getExtnValue().getOctets(), nonce)) {
            return Answer.unavailable(key, from + " answered with another request's nonce (a replay?)");
        }
        SingleResp single = null;
        for (SingleResp candidate : basic.getResponses()) {
            if (sameCertificate(candidate.getCertID(), id, issuer)) {
                single = candidate;
                break;
            }
        }
        if (single == null) {
            return Answer.unavailable(key, from + " answered about other certificates, not serial " + id.getSerialNumber().toString(16));
        }
        Instant thisUpdate = single.getThisUpdate().toInstant();
        Instant nextUpdate = single.getNextUpdate() == null ? null : single.getNextUpdate().toInstant();
        if (thisUpdate.isAfter(now.plus(TOLERANCE))) {
            return Answer.unavailable(key, from + " answered with thisUpdate " + thisUpdate + " in the future (now " + now + ")");
        }
        if (nextUpdate != null && now.isAfter(nextUpdate.plus(TOLERANCE))) {
            return Answer.unavailable(key, from + " answered with an outdated response (nextUpdate " + nextUpdate + ", now " + now + ")");
        }
        if (nextUpdate == null && thisUpdate.isBefore(now.minus(MAX_AGE_WITHOUT_NEXT_UPDATE))) {
            return Answer.unavailable(key, from + " answered with a response from " + thisUpdate + " and no nextUpdate");
        }
        Instant validUntil = nextUpdate != null ? nextUpdate : now.plus(DEFAULT_TTL);
        String validity = " (thisUpdate " + thisUpdate + (nextUpdate == null ? "" : ", nextUpdate " + nextUpdate) + ")";
        warned.remove(key);
        CertificateStatus status = single.getCertStatus();
        if (status == CertificateStatus.GOOD) {
            return new Answer(Kind.GOOD, key, from + ": good" + validity, validUntil);
        }
        if (status instanceof RevokedStatus revoked) {
            String reason = revoked.hasRevocationReason() ? reasonName(revoked.getRevocationReason()) : "not given";
            return new Answer(Kind.REVOKED, key, from + ": serial " + id.getSerialNumber().toString(16) + " revoked at "
                    + revoked.getRevocationTime().toInstant() + ", reason " + reason + validity, validUntil);
        }
        String what = status instanceof UnknownStatus ? "does not know" : "gave an unrecognised status for";
        return Answer.unavailable(key, from + " " + what + " serial " + id.getSerialNumber().toString(16));
    }

    /** Null when the response is signed by the issuer or a responder it delegated to; else why not. */
    private String checkSignature(BasicOCSPResp basic, X509Certificate issuer, Instant now) {
        List<X509Certificate> signers = new ArrayList<>();
        signers.add(issuer);
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        String refusedResponder = null;
        for (X509CertificateHolder holder : basic.getCerts()) {
            X509Certificate cert;
            try {
                cert = converter.getCertificate(holder);
            } catch (java.security.cert.CertificateException e) {
                continue;
            }
            if (cert.equals(issuer)) {
                continue;
            }
            String problem = delegationProblem(cert, issuer, now);
            if (problem == null) {
                signers.add(cert);
            } else {
                refusedResponder = problem;
            }
        }
        for (X509Certificate signer : signers) {
            try {
                if (basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(signer.getPublicKey()))) {
                    return null;
                }
            } catch (OCSPException | OperatorCreationException | RuntimeException e) {
                // not this signer
            }
        }
        return "response not signed by '" + issuer.getSubjectX500Principal().getName()
                + "' nor by a responder it delegated OCSP signing to"
                + (refusedResponder == null ? "" : " (" + refusedResponder + ")");
    }

    /** Null when the issuer signed this responder certificate for OCSP signing and it is current. */
    private static String delegationProblem(X509Certificate responder, X509Certificate issuer, Instant now) {
        String name = "responder certificate '" + responder.getSubjectX500Principal().getName() + "'";
        if (!responder.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return name + " is not issued by the certificate's issuer";
        }
        try {
            responder.verify(issuer.getPublicKey());
        } catch (GeneralSecurityException | RuntimeException e) {
            return name + " is not signed by the certificate's issuer";
        }
        try {
            List<String> usages = responder.getExtendedKeyUsage();
            if (usages == null || !usages.contains(OCSP_SIGNING)) {
                return name + " lacks the id-kp-OCSPSigning extended key usage";
            }
        } catch (java.security.cert.CertificateParsingException e) {
            return name + " has an unreadable extended key usage";
        }
        if (now.isAfter(responder.getNotAfter().toInstant().plus(TOLERANCE))
                || now.isBefore(responder.getNotBefore().toInstant().minus(TOLERANCE))) {
            return name + " is not valid now";
        }
        return null;
    }

    private boolean sameCertificate(CertificateID answered, CertificateID asked, X509Certificate issuer) {
        if (answered.equals(asked)) {
            return true;
        }
        try {
            // another hash algorithm, or NULL parameters written differently
            return answered.getSerialNumber().equals(asked.getSerialNumber())
                    && answered.matchesIssuer(new JcaX509CertificateHolder(issuer), digests);
        } catch (OCSPException | java.security.cert.CertificateEncodingException | RuntimeException e) {
            return false;
        }
    }

    private CheckResult toResult(Answer answer) {
        switch (answer.kind) {
            case GOOD:
                return PASSED;
            case REVOKED:
                return CheckResult.fail(NAME, RejectReason.REVOKED, answer.detail);
            default:
                if (config.whenUnavailable() == FailMode.FAIL_OPEN) {
                    counters.ocspSoftFailPasses.increment();
                    if (warned.add(answer.key)) {
                        log.warn("revocation: no OCSP answer, passing certificates anyway (ocsp.whenUnavailable: FAIL_OPEN): {}",
                                answer.detail);
                    }
                    return new CheckResult(NAME, true, null, "no OCSP answer, passed by ocsp.whenUnavailable: FAIL_OPEN: " + answer.detail);
                }
                counters.ocspHardFailRefusals.increment();
                return CheckResult.fail(NAME, RejectReason.REVOCATION_UNKNOWN, answer.detail);
        }
    }

    private static CompletableFuture<Answer> done(Answer answer) {
        return CompletableFuture.completedFuture(answer);
    }

    private static String responseStatus(int status) {
        return switch (status) {
            case OCSPResp.MALFORMED_REQUEST -> "malformedRequest";
            case OCSPResp.INTERNAL_ERROR -> "internalError";
            case OCSPResp.TRY_LATER -> "tryLater";
            case OCSPResp.SIG_REQUIRED -> "sigRequired";
            case OCSPResp.UNAUTHORIZED -> "unauthorized";
            default -> "status " + status;
        };
    }

    private static String reasonName(int code) {
        java.security.cert.CRLReason[] reasons = java.security.cert.CRLReason.values();
        return code >= 0 && code < reasons.length
                ? reasons[code].name().toLowerCase(java.util.Locale.ROOT) + " (" + code + ")"
                : "code " + code;
    }

    private enum Kind { GOOD, REVOKED, UNAVAILABLE }

    /** What OCSP said, until when it holds, and for outages which responder (for the warn-once key). */
    private record Answer(Kind kind, String key, String detail, Instant validUntil) {
        static Answer unavailable(String key, String detail) {
            return new Answer(Kind.UNAVAILABLE, key, detail, Instant.MIN);
        }

        Duration lifetime(Instant now) {
            Duration left = Duration.between(now, validUntil);
            return left.isNegative() ? Duration.ZERO : left;
        }
    }
}
