package io.mtlsproxy.server;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Plain HTTP to a gateway's admin listener, and the Prometheus text it scrapes, parsed. */
final class AdminClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    AdminClient(Gateway gateway) {
        InetSocketAddress address = gateway.adminAddress().orElseThrow();
        this.base = "http://127.0.0.1:" + address.getPort();
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    Scrape scrape() throws Exception {
        HttpResponse<String> response = get("/metrics");
        if (response.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + response.statusCode());
        }
        return new Scrape(response.body());
    }

    /** One scrape: series by name and labels. */
    record Scrape(String text) {
        private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
        private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

        /** The value of the series with this name and (at least) these labels, or 0 when absent. */
        double value(String name, String... labels) {
            Map<String, String> wanted = new HashMap<>();
            for (int i = 0; i < labels.length; i += 2) {
                wanted.put(labels[i], labels[i + 1]);
            }
            for (String line : text.split("\n")) {
                Matcher m = LINE.matcher(line);
                if (!m.matches() || !m.group(1).equals(name)) {
                    continue;
                }
                Map<String, String> present = new HashMap<>();
                if (m.group(2) != null) {
                    Matcher label = LABEL.matcher(m.group(2));
                    while (label.find()) {
                        present.put(label.group(1), label.group(2));
                    }
                }
                if (present.entrySet().containsAll(wanted.entrySet())) {
                    return Double.parseDouble(m.group(3));
                }
            }
            return 0;
        }

        boolean has(String name, String... labels) {
            return value(name, labels) != 0 || text.lines().anyMatch(l -> l.startsWith(name + "{") || l.startsWith(name + " "));
        }
    }
}
