package io.mtlsproxy.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What each admin route answers, apart from Netty: status, content type and body. */
final class AdminEndpoints {
    private static final Logger log = LoggerFactory.getLogger(AdminEndpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String JSON_TYPE = "application/json";
    /** The Prometheus text exposition format. */
    static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** Routes and the one method each answers. */
    private static final Map<String, String> ROUTES = Map.of(
            "/healthz", "GET",
            "/readyz", "GET",
            "/metrics", "GET",
            "/reload", "POST");

    /**
     * @param allow the Allow header of a 405, or null
     */
    record Answer(int status, String contentType, String body, String allow) {
        static Answer json(int status, Object body) {
            try {
                return new Answer(status, JSON_TYPE, JSON.writeValueAsString(body), null);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("a JSON tree always serializes", e);
            }
        }

        static Answer error(int status, String code, String message) {
            ObjectNode body = JSON.createObjectNode();
            body.putObject("error").put("code", code).put("message", message);
            return json(status, body);
        }
    }

    private final GatewayMetrics metrics;
    private final Readiness readiness;
    private final AtomicReference<ReloadHook> reload;

    AdminEndpoints(GatewayMetrics metrics, Readiness readiness, AtomicReference<ReloadHook> reload) {
        this.metrics = metrics;
        this.readiness = readiness;
        this.reload = reload;
    }

    /** Answers at once, except {@code POST /reload}, which completes when the hook has. */
    CompletableFuture<Answer> handle(String method, String path) {
        String allowed = ROUTES.get(path);
        if (allowed == null) {
            return CompletableFuture.completedFuture(Answer.error(404, "not_found", "no such admin endpoint"));
        }
        if (!allowed.equals(method)) {
            Answer refused = Answer.error(405, "method_not_allowed", path + " answers " + allowed + " only");
            return CompletableFuture.completedFuture(new Answer(refused.status(), refused.contentType(), refused.body(), allowed));
        }
        return switch (path) {
            case "/healthz" -> CompletableFuture.completedFuture(Answer.json(200, Map.of("status", "ok")));
            case "/readyz" -> CompletableFuture.completedFuture(ready());
            case "/metrics" -> CompletableFuture.completedFuture(new Answer(200, PROMETHEUS_TYPE, metrics.scrape(), null));
            default -> reload();
        };
    }

    private Answer ready() {
        List<Readiness.Status> statuses = readiness.probe();
        boolean ready = statuses.stream().allMatch(Readiness.Status::ready);
        ObjectNode body = JSON.createObjectNode();
        body.put("status", ready ? "ready" : "not_ready");
        ArrayNode components = body.putArray("components");
        for (Readiness.Status status : statuses) {
            components.addObject().put("name", status.name()).put("ready", status.ready()).put("detail", status.detail());
        }
        return Answer.json(ready ? 200 : 503, body);
    }

    private CompletableFuture<Answer> reload() {
        CompletableFuture<ReloadOutcome> running;
        try {
            running = reload.get().reload();
        } catch (RuntimeException e) {
            running = CompletableFuture.failedFuture(e);
        }
        return running.handle((outcome, failure) -> {
            if (failure != null || outcome == null) {
                log.warn("reload failed: {}", failure == null ? "the hook gave no outcome" : failure.toString());
                return Answer.error(500, "reload_failed", "the reload failed; the last good configuration stays in force");
            }
            return switch (outcome.result()) {
                case APPLIED, UNCHANGED -> Answer.json(200, Map.of("status", outcome.result().name().toLowerCase(java.util.Locale.ROOT),
                        "detail", outcome.detail()));
                case REJECTED -> Answer.error(422, "reload_failed", outcome.detail());
                case UNSUPPORTED -> Answer.error(501, "reload_unavailable", outcome.detail());
            };
        });
    }
}
