package io.flowtrap.probe.trigger;

import io.flowtrap.packet.PacketRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The triggers in force at one moment, each on a bit of a 64-bit mask ({@link #ALERT} is bit 0,
 * the IDS): what the capture thread tests new flows with and records, per armed flow, as the mask
 * of what armed it. Immutable: a change makes a new set ({@link #with}, {@link #without}), handed
 * to the capture thread whole. A trigger keeps its bit for as long as it is in force, and a bit
 * freed by a removed trigger is given again only after every other free bit has been (so a flow
 * still alive from before names the right trigger, unless 62 triggers came and went meanwhile).
 */
public final class TriggerSet {
    /** The bit of flows armed by an IDS alert. */
    public static final long ALERT = 1L;
    /** Most triggers in force at once (bits 1..63). */
    public static final int MAX_TRIGGERS = 63;
    public static final TriggerSet EMPTY = new TriggerSet(new Trigger[64], 0L, 0, new String[64]);

    private final Trigger[] byBit;
    private final long bits;
    /** Where the search for a free bit starts next (round robin). */
    private final int nextBit;
    /** The name each bit last had, kept after its trigger went, for flows it armed before. */
    private final String[] names;

    private TriggerSet(Trigger[] byBit, long bits, int nextBit, String[] names) {
        this.byBit = byBit;
        this.bits = bits;
        this.nextBit = nextBit;
        this.names = names;
        names[0] = "alert";
    }

    /** This set with {@code trigger} added on a free bit; refused if its name is taken or no bit is free. */
    public TriggerSet with(Trigger trigger) {
        if (find(trigger.name()) >= 0) {
            throw new IllegalArgumentException("a trigger named '" + trigger.name() + "' is in force already");
        }
        if (Long.bitCount(bits) >= MAX_TRIGGERS) {
            throw new IllegalArgumentException("at most " + MAX_TRIGGERS + " triggers can be in force at once");
        }
        int bit = nextBit;
        for (int i = 0; i < MAX_TRIGGERS; i++) {
            bit = bit % MAX_TRIGGERS + 1; // 1..63
            if ((bits & 1L << bit) == 0) {
                break;
            }
        }
        Trigger[] t = byBit.clone();
        t[bit] = trigger;
        String[] n = names.clone();
        n[bit] = trigger.name();
        return new TriggerSet(t, bits | 1L << bit, bit, n);
    }

    /** This set without the trigger named {@code name} (the same set if there is none). */
    public TriggerSet without(String name) {
        int bit = find(name);
        if (bit < 0) {
            return this;
        }
        Trigger[] t = byBit.clone();
        t[bit] = null;
        return new TriggerSet(t, bits & ~(1L << bit), nextBit, names);
    }

    public boolean isEmpty() {
        return bits == 0;
    }

    /** The bits of the triggers in force. */
    public long bits() {
        return bits;
    }

    /** The trigger on {@code bit}, or null. */
    public Trigger trigger(int bit) {
        return bit > 0 && bit < 64 ? byBit[bit] : null;
    }

    /** The triggers in force by name. */
    public Map<String, Trigger> byName() {
        Map<String, Trigger> m = new TreeMap<>();
        for (int bit = 1; bit < 64; bit++) {
            if (byBit[bit] != null) {
                m.put(byBit[bit].name(), byBit[bit]);
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * The mask of the triggers among {@code candidates} (bits) that take this flow: {@link
     * Trigger#matches}. Allocation-free.
     */
    public long match(long candidates, PacketRecord packet, byte[] key, int keyOffset, int[] memory) {
        long matched = 0;
        for (long rest = candidates & bits; rest != 0; rest &= rest - 1) {
            int bit = Long.numberOfTrailingZeros(rest);
            if (byBit[bit].matches(packet, key, keyOffset, memory)) {
                matched |= 1L << bit;
            }
        }
        return matched;
    }

    /** As {@link #match}, for watchlists only: by the flow's addresses, without a packet. */
    public long matchEndpoints(long candidates, byte[] key, int keyOffset) {
        long matched = 0;
        for (long rest = candidates & bits; rest != 0; rest &= rest - 1) {
            int bit = Long.numberOfTrailingZeros(rest);
            if (byBit[bit].isWatchlist() && byBit[bit].listedEndpoint(key, keyOffset) >= 0) {
                matched |= 1L << bit;
            }
        }
        return matched;
    }

    /** The names of the bits in {@code mask}: "alert" for {@link #ALERT}, else each trigger's. */
    public List<String> names(long mask) {
        List<String> out = new ArrayList<>(Long.bitCount(mask));
        for (long rest = mask; rest != 0; rest &= rest - 1) {
            String name = names[Long.numberOfTrailingZeros(rest)];
            out.add(name != null ? name : "trigger " + Long.numberOfTrailingZeros(rest));
        }
        return out;
    }

    /** The bit of the trigger named {@code name} in force, or -1. */
    public int bitOf(String name) {
        return find(name);
    }

    private int find(String name) {
        for (int bit = 1; bit < 64; bit++) {
            if (byBit[bit] != null && byBit[bit].name().equals(name)) {
                return bit;
            }
        }
        return -1;
    }
}
