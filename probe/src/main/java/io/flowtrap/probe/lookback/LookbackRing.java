package io.flowtrap.probe.lookback;

import io.flowtrap.memory.HugePageBuffers;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.store.HeldPackets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A bounded, off-heap, time-ordered ring of recent packets shared by all flows. Each record links
 * to the previous record of its flow, so when an alert arms a flow its packets still held here can
 * be written to the store in capture order.
 *
 * <p>Positions are logical byte offsets that only grow; a record at position {@code p} lives at
 * {@code p % capacity} and is held while {@code p >= tail}, where {@code tail} advances as new
 * records overwrite old ones. Records never wrap: when one does not fit before the physical end,
 * the rest of the ring is skipped. Record layout (little-endian, 8-byte aligned):
 *
 * <pre>
 * [0..7]   previous position of the same flow (-1: this is the flow's first; -2: the previous
 *          had already been overwritten when this one was added)
 * [8..15]  timestamp, ns since the epoch
 * [16..19] captured length   [20..23] wire length   [24..27] link type   [28..31] record length
 * [32..39] owner: the caller's tag for the flow the packet belongs to ({@link #NO_OWNER}: none)
 * [40..]   packet bytes, padded to 8
 * </pre>
 *
 * <p>Losses: a record overwritten while its owner is still waiting for an alert (its flow is live
 * and not armed, as the {@link Owners} given at construction tell) is a packet that flow can no
 * longer store: counted as {@link #overwrittenWaiting()}. Records of flows already armed (copied to
 * the store) or ended are overwritten without loss.
 *
 * <p>The store's writer copies an armed flow's held records straight from here ({@link HeldPackets}):
 * the owner {@link #pinFrom pins} the oldest record it has handed over by position, and until it
 * moves the pin, {@link #append} refuses ({@link #PINNED}) rather than overwrite it. The writer reads
 * a record's header and bytes only, through a view of its own; everything else here is the owner's.
 *
 * One direct buffer of at most 2 GiB − 1, on huge pages where the kernel offers them ({@link
 * HugePageBuffers}: the chain walk touches it at random); larger sizes are refused with a clear error. Not
 * thread-safe: owned by the capture thread (but for {@link #readHeld}). Allocation-free after construction.
 */
public final class LookbackRing implements HeldPackets {
    /** Tells whether the flow a record was appended for still waits for an alert. */
    @FunctionalInterface
    public interface Owners {
        /** Called on the capture thread as a record is overwritten; must not allocate. */
        boolean waiting(long owner);
    }

    /** What {@link #append} answers for a packet larger than a quarter of the ring. */
    public static final long TOO_LARGE = -1;
    /** What {@link #append} answers when making room would overwrite a pinned record ({@link #pinFrom}). */
    public static final long PINNED = -2;
    /** The owner of a record appended without one: never counted as waiting. */
    public static final long NO_OWNER = -1;
    private static final Owners NOBODY_WAITS = owner -> false;

    private static final int HEADER = 40;
    private static final int OWNER = 32;
    private static final int MIN_RECORD = HEADER + 8;
    private static final long MAX_CAPACITY = Integer.MAX_VALUE - 7;
    /** Captured length marking the unused end of the buffer skipped by a record that did not fit. */
    private static final int PADDING = -1;
    private static final long FIRST = -1;
    private static final long CUT = -2;
    /**
     * A "previous position" meaning the flow had a packet the ring did not take (too large): the
     * chain is incomplete even though nothing was overwritten.
     */
    public static final long BROKEN_CHAIN = CUT;

    private final ByteBuffer ring;
    /** The same memory, for the store's writer thread: absolute reads only. */
    private final ByteBuffer heldView;
    private final int capacity;
    private final Owners owners;
    /** Logical position of the next record. */
    private long head;
    /** Oldest logical position still held. */
    private long tail;
    /** Records at or after this position must not be overwritten ({@link #pinFrom}). */
    private long pinnedFrom = Long.MAX_VALUE;
    private boolean lastChainComplete;
    private long appended;
    private long overwritten;
    private long overwrittenBytes;
    private long overwrittenWaiting;

    /** A ring whose overwrites are never counted as losses (records carry no owner that waits). */
    public LookbackRing(long capacityBytes) {
        this(capacityBytes, NOBODY_WAITS);
    }

    /** @param owners asked, as each record is overwritten, whether its owner still waits */
    public LookbackRing(long capacityBytes, Owners owners) {
        if (capacityBytes < 64 * 1024 || capacityBytes > MAX_CAPACITY) {
            throw new IllegalArgumentException(
                    "look-back size must be between 64KB and 2GB, not " + capacityBytes + " bytes");
        }
        this.capacity = (int) (capacityBytes & ~7L);
        this.ring = HugePageBuffers.allocate("look-back ring", capacity).buffer().order(ByteOrder.LITTLE_ENDIAN);
        this.heldView = ring.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.owners = Objects.requireNonNull(owners, "owners");
    }

    /**
     * Appends a packet whose flow's previous record is {@code previousPositionOfFlow} (-1 if this is
     * the flow's first packet, {@link #BROKEN_CHAIN} if one was refused, or one no longer held). Returns the record's
     * position; {@link #TOO_LARGE} if the packet is larger than a quarter of the ring (it would flush everything
     * else out); {@link #PINNED} if its room is still pinned ({@link #pinFrom}). Either way nothing changed.
     */
    public long append(PacketRecord packet, long previousPositionOfFlow) {
        return append(packet, previousPositionOfFlow, NO_OWNER);
    }

    /** As {@link #append(PacketRecord, long)}, tagging the record with its flow's {@code owner}. */
    public long append(PacketRecord packet, long previousPositionOfFlow, long owner) {
        int caplen = packet.capturedLength();
        int length = HEADER + ((caplen + 7) & ~7);
        if (length > capacity / 4) {
            return TOO_LARGE;
        }
        int offset = (int) (head % capacity);
        int padding = offset + length > capacity ? capacity - offset : 0;
        long position = head + padding;
        long end = position + length;
        if (end - capacity > pinnedFrom) {
            return PINNED;
        }
        // Evict before writing: eviction reads the lengths of the records about to be overwritten.
        while (tail < end - capacity) {
            evictOldest();
        }
        if (padding >= MIN_RECORD) {
            ring.putInt(offset + 16, PADDING);
            ring.putInt(offset + 28, padding);
        }
        offset = (int) (position % capacity);
        ring.putLong(offset, previousPositionOfFlow >= tail ? previousPositionOfFlow : previousPositionOfFlow == FIRST ? FIRST : CUT);
        ring.putLong(offset + 8, packet.timestampNanos());
        ring.putInt(offset + 16, caplen);
        ring.putInt(offset + 20, packet.wireLength());
        ring.putInt(offset + 24, packet.linkType());
        ring.putInt(offset + 28, length);
        ring.putLong(offset + OWNER, owner);
        ring.put(offset + HEADER, packet.buffer(), packet.offset(), caplen);
        head = end;
        appended++;
        return position;
    }

    /**
     * Keeps every record at or after {@code position} from being overwritten until the next call
     * ({@link Long#MAX_VALUE}: nothing pinned): the owner pins what it has handed to the store's
     * writer by position and not yet seen taken. Pinning a position no longer held pins nothing more.
     */
    public void pinFrom(long position) {
        pinnedFrom = position;
    }

    /** The writer thread: a view of the record at {@code position}, which the owner keeps pinned meanwhile. */
    @Override
    public void readHeld(long position, PacketRecord into) {
        int offset = (int) (position % capacity);
        into.set(heldView, offset + HEADER, heldView.getInt(offset + 16), heldView.getInt(offset + 20),
                heldView.getLong(offset + 8), heldView.getInt(offset + 24));
    }

    @Override
    public int heldCapturedLength(long position) {
        return ring.getInt((int) (position % capacity) + 16);
    }

    /** Drops the oldest record (or the padding that skipped the end of the buffer). */
    private void evictOldest() {
        int offset = (int) (tail % capacity);
        int room = capacity - offset;
        if (room < MIN_RECORD) {
            tail += room; // too small for any record: padding without a marker
            return;
        }
        int length = ring.getInt(offset + 28);
        if (ring.getInt(offset + 16) != PADDING) {
            overwritten++;
            overwrittenBytes += length;
            long owner = ring.getLong(offset + OWNER);
            if (owner != NO_OWNER && owners.waiting(owner)) {
                overwrittenWaiting++;
            }
        }
        tail += length;
    }

    /**
     * Takes over from {@code old}, the ring of the same flows until now (a new look-back size at run
     * time; this ring is fresh, allocated off the capture thread): its positions go on from where
     * {@code old}'s stopped, so every chain into {@code old} reads as overwritten here (a flow armed
     * later is stored from its next packet on: a look-back miss), and {@code old}'s records are
     * counted as overwritten, those of flows still waiting as losses ({@link #overwrittenWaiting()}),
     * with its counts carried over. Capture thread only; allocates nothing.
     */
    public void continueFrom(LookbackRing old) {
        if (appended != 0 || head != 0) {
            throw new IllegalStateException("a look-back ring can only take over before its first record");
        }
        if (old.pinnedFrom != Long.MAX_VALUE) {
            throw new IllegalStateException("a look-back ring can only be taken over with nothing pinned");
        }
        while (old.tail < old.head) {
            old.evictOldest();
        }
        head = old.head;
        tail = old.head;
        appended = old.appended;
        overwritten = old.overwritten;
        overwrittenBytes = old.overwrittenBytes;
        overwrittenWaiting = old.overwrittenWaiting;
    }

    /** The position of the oldest record held, or -1 if none: with {@link #after}, a walk over every record held. */
    public long oldest() {
        return firstRecordFrom(tail);
    }

    /** The position of the record held after the one at {@code position}, or -1 if it is the newest. */
    public long after(long position) {
        if (!isHeld(position)) {
            throw new IllegalArgumentException("look-back position " + position + " is no longer held (oldest " + tail + ")");
        }
        return firstRecordFrom(position + ring.getInt((int) (position % capacity) + 28));
    }

    /** The owner the record at {@code position} was appended with ({@link #NO_OWNER}: none). */
    public long owner(long position) {
        if (!isHeld(position)) {
            throw new IllegalArgumentException("look-back position " + position + " is no longer held (oldest " + tail + ")");
        }
        return ring.getLong((int) (position % capacity) + OWNER);
    }

    /** The first record at or after {@code p}, skipping the padding at the buffer's end; -1 if none is held there. */
    private long firstRecordFrom(long p) {
        while (p < head) {
            int offset = (int) (p % capacity);
            int room = capacity - offset;
            if (room < MIN_RECORD) {
                p += room;
            } else if (ring.getInt(offset + 16) == PADDING) {
                p += ring.getInt(offset + 28);
            } else {
                return p;
            }
        }
        return -1;
    }

    /** Whether the record at {@code position} has not been overwritten yet. */
    public boolean isHeld(long position) {
        return position >= tail && position < head;
    }

    /**
     * Writes the held positions of the chain ending at {@code lastPosition} into {@code scratch},
     * oldest first, and returns how many; {@link #lastChainComplete()} then tells whether the chain
     * reached the flow's first record (nothing of the flow was overwritten).
     */
    public int collectChain(long lastPosition, long[] scratch) {
        int n = 0;
        long p = lastPosition;
        lastChainComplete = false;
        while (p >= 0 && isHeld(p) && n < scratch.length) {
            scratch[n++] = p;
            long previous = ring.getLong((int) (p % capacity));
            if (previous < 0) {
                lastChainComplete = previous == FIRST;
                break;
            }
            p = previous;
        }
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            long t = scratch[i];
            scratch[i] = scratch[j];
            scratch[j] = t;
        }
        return n;
    }

    public boolean lastChainComplete() {
        return lastChainComplete;
    }

    /** Points {@code into} at the held record at {@code position}; valid until the next append. */
    public void read(long position, PacketRecord into) {
        if (!isHeld(position)) {
            throw new IllegalArgumentException("look-back position " + position + " is no longer held (oldest " + tail + ")");
        }
        int offset = (int) (position % capacity);
        into.set(ring, offset + HEADER, ring.getInt(offset + 16), ring.getInt(offset + 20), ring.getLong(offset + 8),
                ring.getInt(offset + 24));
    }

    /** An upper bound on records held at once: the size for a chain scratch array. */
    public int maxRecords() {
        return capacity / MIN_RECORD + 1;
    }

    public long capacityBytes() {
        return capacity;
    }

    public long appended() {
        return appended;
    }

    public long overwritten() {
        return overwritten;
    }

    public long overwrittenBytes() {
        return overwrittenBytes;
    }

    /** Records overwritten while their owner still waited for an alert: packets those flows lost. */
    public long overwrittenWaiting() {
        return overwrittenWaiting;
    }
}
