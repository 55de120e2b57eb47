package io.mtlsproxy.core.net;

import java.net.InetAddress;
import java.util.List;

/** A list of networks; an address matches when any network contains it. */
public final class CidrSet {
    private final Cidr[] networks;

    private CidrSet(List<Cidr> networks) {
        this.networks = networks.toArray(Cidr[]::new);
    }

    /** @throws IllegalArgumentException naming the first entry that is not a network */
    public static CidrSet parse(List<String> entries) {
        return new CidrSet(entries.stream().map(Cidr::parse).toList());
    }

    public boolean isEmpty() {
        return networks.length == 0;
    }

    public boolean contains(InetAddress address) {
        for (Cidr network : networks) {
            if (network.contains(address)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return List.of(networks).toString();
    }
}
