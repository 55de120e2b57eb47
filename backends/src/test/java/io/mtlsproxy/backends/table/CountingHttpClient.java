package io.mtlsproxy.backends.table;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.util.Context;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Mono;

/** The JDK HttpClient adapter, recording every request the SDK sends through it. */
final class CountingHttpClient implements HttpClient {
    private final HttpClient delegate;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    CountingHttpClient(HttpClient delegate) {
        this.delegate = delegate;
    }

    CountingHttpClient() {
        this(new JdkHttpClientBuilder().build());
    }

    /** Method and URL of each request so far. */
    List<String> requests() {
        return List.copyOf(requests);
    }

    @Override
    public Mono<HttpResponse> send(HttpRequest request) {
        requests.add(request.getHttpMethod() + " " + request.getUrl());
        return delegate.send(request);
    }

    @Override
    public Mono<HttpResponse> send(HttpRequest request, Context context) {
        requests.add(request.getHttpMethod() + " " + request.getUrl());
        return delegate.send(request, context);
    }

    @Override
    public HttpResponse sendSync(HttpRequest request, Context context) {
        requests.add(request.getHttpMethod() + " " + request.getUrl());
        return delegate.sendSync(request, context);
    }
}
