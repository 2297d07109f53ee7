package io.flowtrap.pcap;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A pcap or pcapng file holds a record that no reader can trust (a length out of range, a block
 * whose trailing length disagrees …). Distinct from a torn tail, which {@link PcapFileReader}
 * reports as {@link PcapFileReader#truncatedTail()} without throwing. Immutable; thread-safe.
 */
public final class PcapFormatException extends IOException {
    private final long offset;

    public PcapFormatException(Path file, long offset, String problem) {
        super(file + ": " + problem + " at byte offset " + offset);
        this.offset = offset;
    }

    /** Byte offset in the file of the header of the damaged record or block. */
    public long offset() {
        return offset;
    }
}
