package io.flowtrap.probe.trigger;

import io.flowtrap.packet.BpfProgram;
import io.flowtrap.packet.FlowKey;
import io.flowtrap.packet.PacketRecord;
import java.util.Objects;

/**
 * Something other than an IDS alert that arms flows into the store: a BPF filter, tested on a
 * flow's first packet (and, when the trigger starts, on the packets the look-back ring holds), or a
 * watchlist, tested on a flow's two addresses. Immutable; its tests allocate nothing.
 *
 * @param name how flows it armed say they were armed (unique among the probe's triggers)
 * @param filter the compiled filter, or null for a watchlist
 * @param watchlist the list, or null for a filter
 */
public record Trigger(String name, BpfProgram filter, Watchlist watchlist) {
    /** What a trigger's name may be: what a flow record's {@code armed_by} accepts; "alert" is the IDS's. */
    public static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");

    public Trigger {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches() || name.equals("alert")) {
            throw new IllegalArgumentException("a trigger's name is 1 to 64 letters, digits and . _ : - (not 'alert'): '"
                    + name + "'");
        }
        if ((filter == null) == (watchlist == null)) {
            throw new IllegalArgumentException("a trigger is a filter or a watchlist: " + name);
        }
    }

    public static Trigger ofFilter(String name, BpfProgram filter) {
        return new Trigger(name, Objects.requireNonNull(filter, "filter"), null);
    }

    public static Trigger ofWatchlist(String name, Watchlist watchlist) {
        return new Trigger(name, null, Objects.requireNonNull(watchlist, "watchlist"));
    }

    public boolean isWatchlist() {
        return watchlist != null;
    }

    /**
     * Whether the flow whose key is at {@code key[keyOffset ..)} and whose packet {@code packet} is
     * (its first, or one held in the look-back) is this trigger's: a listed address at either end,
     * or the filter keeping the packet. {@code memory} is the filter's scratch ({@link BpfProgram#MEMORY_WORDS}).
     */
    public boolean matches(PacketRecord packet, byte[] key, int keyOffset, int[] memory) {
        if (watchlist != null) {
            return listedEndpoint(key, keyOffset) >= 0;
        }
        return filter.matches(packet, memory);
    }

    /** The watchlist entry (index in {@link Watchlist#entries()}) either of the flow's addresses is in, or -1. */
    public int listedEndpoint(byte[] key, int keyOffset) {
        int version = key[keyOffset + FlowKey.OFF_VERSION];
        int low = watchlist.match(version, key, keyOffset + FlowKey.OFF_LOW_ADDRESS);
        return low >= 0 ? low : watchlist.match(version, key, keyOffset + FlowKey.OFF_HIGH_ADDRESS);
    }

    /** "bpf" or "watchlist". */
    public String kind() {
        return watchlist != null ? "watchlist" : "bpf";
    }
}
