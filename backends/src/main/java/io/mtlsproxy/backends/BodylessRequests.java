package io.mtlsproxy.backends;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import reactor.core.publisher.Mono;

/**
 * Drops the {@code Content-Length: 0} that azure-core puts on body-less reads. The JDK HttpClient
 * sets that header itself and refuses it from callers, so the adapter would log a warning for
 * every Key Vault read; without the header nothing changes on the wire.
 */
final class BodylessRequests implements HttpPipelinePolicy {

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        strip(context);
        return next.process();
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
        strip(context);
        return next.processSync();
    }

    private static void strip(HttpPipelineCallContext context) {
        if (context.getHttpRequest().getBodyAsBinaryData() == null) {
            context.getHttpRequest().getHeaders().remove(HttpHeaderName.CONTENT_LENGTH);
        }
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
        // after the Key Vault challenge policy, which may set the header again on its retry
        return HttpPipelinePosition.PER_RETRY;
    }
}
