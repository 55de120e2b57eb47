package io.mtlsproxy.server.limits;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open connections, in total and per address. Exact (never evicted): an entry lives exactly as
 * long as its address has connections open, so the map is bounded by the open connections.
 */
final class ConnectionCounts {
    enum Verdict { OPENED, TOTAL_LIMIT, ADDRESS_LIMIT }

    private final int maxTotal;
    private final int maxPerAddress;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

    /** @param maxTotal 0 for no limit; @param maxPerAddress 0 for no limit */
    ConnectionCounts(int maxTotal, int maxPerAddress) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
    }

    Verdict tryOpen(InetAddress address) {
        int open = total.incrementAndGet();
        if (maxTotal > 0 && open > maxTotal) {
            total.decrementAndGet();
            return Verdict.TOTAL_LIMIT;
        }
        if (maxPerAddress > 0) {
            boolean[] full = new boolean[1];
            perAddress.compute(address, (key, count) -> {
                int current = count == null ? 0 : count;
                if (current >= maxPerAddress) {
                    full[0] = true;
                    return count;
                }
                return current + 1;
            });
            if (full[0]) {
                total.decrementAndGet();
                return Verdict.ADDRESS_LIMIT;
            }
        }
        return Verdict.OPENED;
    }

    void closed(InetAddress address) {
        total.decrementAndGet();
        if (maxPerAddress > 0) {
            perAddress.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
        }
    }

    int open() {
        return total.get();
    }
}
