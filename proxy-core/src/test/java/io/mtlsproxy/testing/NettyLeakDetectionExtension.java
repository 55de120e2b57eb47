package io.mtlsproxy.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when Netty reports a leaked buffer, TLS context or engine (anything Netty tracks).
 * Registered for every test class through JUnit's extension auto-detection; the test JVM runs
 * with leak detection paranoid.
 *
 * <p>Netty only reports a leak when a tracked object is garbage collected unreleased and its
 * detector is next used, and each detector (buffers, BoringSSL contexts, BoringSSL engines) has a
 * queue of its own: so after each test we collect garbage and make every detector created so far
 * track and drop a probe, which drains its queue. Without that, a leaked context would be reported
 * only when the next context is built, in whichever test builds it, or never.
 */
public final class NettyLeakDetectionExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private static final List<String> LEAKS = new ArrayList<>();
    private static volatile boolean installed;
    /** Detectors created by code under test; none means Netty never tracked anything here. */
    private static final List<ResourceLeakDetector<?>> DETECTORS = new CopyOnWriteArrayList<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        install();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        assertNoLeaks(context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertNoLeaks(context.getDisplayName());
    }

    private static synchronized void install() {
        if (installed) {
            return;
        }
        ResourceLeakDetectorFactory delegate = ResourceLeakDetectorFactory.instance();
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation")
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
                ResourceLeakDetector<T> detector = delegate.newResourceLeakDetector(resource, samplingInterval, maxActive);
                DETECTORS.add(detector);
                detector.setLeakListener((resourceType, records) -> {
                    synchronized (LEAKS) {
                        LEAKS.add(resourceType + " leaked:\n" + records);
                    }
                });
                return detector;
            }
        });
        installed = true;
    }

    private static void assertNoLeaks(String where) {
        if (!installed || DETECTORS.isEmpty()) {
            return; // modules without Netty (core, policy, backends) skip the garbage collections
        }
        for (int round = 0; round < 3; round++) {
            System.gc();
            for (int i = 0; i < 64; i++) {
                ByteBuf probe = UnpooledByteBufAllocator.DEFAULT.directBuffer(1);
                probe.release();
            }
            for (ResourceLeakDetector<?> detector : DETECTORS) {
                drain(detector);
            }
        }
        synchronized (LEAKS) {
            if (!LEAKS.isEmpty()) {
                String report = String.join("\n\n", LEAKS);
                LEAKS.clear();
                throw new AssertionError("Netty resource leak detected after " + where + ":\n" + report);
            }
        }
    }

    /** A forced track reports what the detector's queue holds (the leaks collected since); the probe is closed at once. */
    @SuppressWarnings("unchecked")
    private static void drain(ResourceLeakDetector<?> detector) {
        Object probe = new Object();
        ResourceLeakTracker<Object> tracker = ((ResourceLeakDetector<Object>) detector).trackForcibly(probe);
        if (tracker != null) {
            tracker.close(probe);
        }
    }
}
