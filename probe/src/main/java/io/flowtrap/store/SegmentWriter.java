package io.flowtrap.store;

import com.sun.nio.file.ExtendedOpenOption;
import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapFormat;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes the active segment: pcap records through a direct buffer into a hidden file, and the
 * index entries into a {@link SegmentIndexBuilder}; {@link #seal()} makes both durable and visible.
 *
 * <p>Where the file system takes them, the file is written with direct writes ({@link
 * DirectWrites}): each write is whole blocks at a block boundary, from the buffer, whose first
 * byte always goes at one ({@link #bufferStart}, the end of the last record the file holds whole
 * rounded down to a block). When the buffer is full, its whole blocks are written, and what
 * follows that block boundary stays buffered, to be written again, whole, by the next write; a
 * record may then end beyond what the file holds. {@link #flush()} writes everything: the last
 * part block padded with zeros, the file then cut to its true length. With buffered writes (a
 * block of 1 byte) the same steps write everything each time. So the file is always the
 * stream's first bytes, exactly as far as it goes, possibly ending inside a record (recovery
 * cuts such a torn tail, and the zeros of a crash between a padded write and its cut); after a
 * flush, and after a failed write, it holds whole records only.
 *
 * <p>A write that fails part way (a full disk) keeps the whole records that did get written,
 * cuts the file back to the end of the last of them and keeps the rest buffered, to be written
 * from there by the next write: nothing twice, nothing misaligned, and the index entries already
 * made (by file offset) stay true. A failed seal leaves the segment active and whole, to be sealed
 * by a later try (or by recovery at the next open). Not thread-safe: one writer thread.
 */
final class SegmentWriter implements Closeable {
    private static final int BUFFER_SIZE = 1 << 20;

    private final Path dir;
    private final long sequence;
    private final int linkType;
    private final Path activeFile;
    private final FileChannel channel;
    private final ByteBuffer buffer;
    /** The block size writes keep to ({@link DirectWrites#BUFFERED}: none). */
    private final int block;
    private final SegmentIndexBuilder index;
    /** Where in the file the buffer's first byte goes: a multiple of {@link #block}. */
    private long bufferStart;
    /** The end of the last record the file holds whole (0 before the global header is written). */
    private long flushedBytes;
    private int flushedPackets;
    private long successfulFlushes;
    private long firstTimestamp = Long.MIN_VALUE;

    /**
     * @param block  the block size of direct writes ({@link DirectWrites#of}), or {@link
     *               DirectWrites#BUFFERED}; {@code buffer} ({@link #newBuffer}) must be aligned to it
     */
    SegmentWriter(Path dir, long sequence, int linkType, int snaplen, SegmentIndexBuilder index, ByteBuffer buffer, int block)
            throws IOException {
        this.dir = dir;
        this.sequence = sequence;
        this.linkType = linkType;
        this.index = index;
        this.buffer = buffer;
        this.block = block;
        this.activeFile = dir.resolve(Segment.activeName(sequence));
        index.reset();
        buffer.clear().order(ByteOrder.LITTLE_ENDIAN);
        channel = block == DirectWrites.BUFFERED
                ? StoreFiles.openForWriting(activeFile, StandardOpenOption.CREATE_NEW)
                : StoreFiles.openForWriting(activeFile, StandardOpenOption.CREATE_NEW, ExtendedOpenOption.DIRECT);
        PcapFormat.putGlobalHeader(buffer, snaplen, linkType);
    }

    /** The writer's buffer, reused segment after segment: aligned for direct writes of {@code block}-byte blocks. */
    static ByteBuffer newBuffer(int block) {
        return DirectWrites.alignedBuffer(BUFFER_SIZE, block);
    }

    long sequence() {
        return sequence;
    }

    int linkType() {
        return linkType;
    }

    /** Bytes of the pcap so far, buffered ones included. */
    long size() {
        return bufferStart + buffer.position();
    }

    /** Bytes of the pcap the file holds as whole records. */
    long flushedBytes() {
        return flushedBytes;
    }

    /** How many writes wrote something (a write after a failure that works tells the disk has room again). */
    long successfulFlushes() {
        return successfulFlushes;
    }

    /** Timestamp of the first packet written (Long.MIN_VALUE before any). */
    long firstTimestamp() {
        return firstTimestamp;
    }

    int packets() {
        return index.packetCount();
    }

    /** The oldest and newest packet times written, ns (meaningful once a packet is). */
    long minTimestamp() {
        return index.minTimestamp();
    }

    long maxTimestamp() {
        return index.maxTimestamp();
    }

    /** Packets appended whose records the file does not hold whole yet. */
    int bufferedPackets() {
        return index.packetCount() - flushedPackets;
    }

    /** The captured bytes of those packets. */
    long bufferedCapturedBytes() {
        return size() - flushedBytes - (long) PcapFormat.RECORD_HEADER_SIZE * bufferedPackets()
                - (flushedBytes == 0 ? PcapFormat.GLOBAL_HEADER_SIZE : 0);
    }

    /** Whether a record of {@code capturedLength} bytes can be appended without writing the file. */
    boolean fitsInBuffer(int capturedLength) {
        return buffer.remaining() >= PcapFormat.RECORD_HEADER_SIZE + capturedLength;
    }

    /** Appends one record of {@code capturedLength} bytes (already cut to the snaplen). */
    void append(PacketRecord packet, int capturedLength, byte[] cid, int cidOffset, byte[] key, int keyOffset)
            throws IOException {
        int recordSize = PcapFormat.RECORD_HEADER_SIZE + capturedLength;
        if (buffer.remaining() < recordSize) {
            write(false);
        }
        long recordOffset = size();
        PcapFormat.putRecordHeader(buffer, packet.timestampNanos(), capturedLength, packet.wireLength());
        buffer.put(buffer.position(), packet.buffer(), packet.offset(), capturedLength);
        buffer.position(buffer.position() + capturedLength);
        index.add(cid, cidOffset, key, keyOffset, recordOffset, packet.timestampNanos());
        if (firstTimestamp == Long.MIN_VALUE) {
            firstTimestamp = packet.timestampNanos();
        }
    }

    /**
     * Hands every buffered byte to the OS (not a sync): afterwards the file holds every record
     * appended, whole, and nothing more. On failure (a full disk) what was written is kept as the
     * class comment says, and the exception is thrown.
     */
    void flush() throws IOException {
        if (size() > flushedBytes) {
            write(true);
        }
    }

    /**
     * Writes the buffer's whole blocks or, {@code everything}, all of it (its last part block
     * padded with zeros, the file then cut to its true length), at {@link #bufferStart}; then
     * keeps buffered what follows the block the last whole record written ends in.
     */
    private void write(boolean everything) throws IOException {
        int end = buffer.position();
        int length = everything ? (end + block - 1) & -block : end & -block;
        for (int i = end; i < length; i++) {
            buffer.put(i, (byte) 0); // padding, beyond the stream's end: cut off below
        }
        ByteBuffer out = buffer.duplicate().position(0).limit(length);
        int written = 0;
        try {
            while (written < length) {
                int n = channel.write(out, bufferStart + written);
                written += n;
                if (n == 0 || (written & (block - 1)) != 0 && written < length) {
                    throw new IOException("short write of " + written + " of " + length + " bytes at " + bufferStart
                            + " in " + activeFile + " (the file system takes no more now)");
                }
            }
            if (length > end) {
                channel.truncate(bufferStart + end);
            }
        } catch (IOException | RuntimeException e) {
            int onDisk = Math.min(written, end) & -block; // whole blocks of the stream's bytes, no padding
            if (onDisk > 0) {
                successfulFlushes++; // something was written: the disk took part of it
            }
            keepAfterWhole(bufferStart + onDisk, end);
            try {
                channel.truncate(flushedBytes); // cuts the part of a record after the last whole one
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed); // the next write writes over it from before flushedBytes anyway
            }
            throw e;
        }
        successfulFlushes++;
        keepAfterWhole(bufferStart + Math.min(length, end), end);
    }

    /**
     * The file holds the stream up to {@code held}: counts the records now whole in it, and keeps in
     * the buffer (of {@code end} bytes) what follows the start of the block the last of them ends in,
     * so that a write cut short later can still cut the file back to a record's end and write on
     * from there: {@link #bufferStart} is always {@link #flushedBytes} rounded down to a block.
     */
    private void keepAfterWhole(long held, int end) {
        if (flushedBytes == 0 && held >= PcapFormat.GLOBAL_HEADER_SIZE) {
            flushedBytes = PcapFormat.GLOBAL_HEADER_SIZE;
        }
        int packets = index.packetCount();
        while (flushedPackets < packets) {
            long recordEnd = flushedPackets + 1 < packets ? index.recordOffset(flushedPackets + 1) : size();
            if (recordEnd > held) {
                break;
            }
            flushedBytes = recordEnd;
            flushedPackets++;
        }
        int keepFrom = (int) ((flushedBytes & -block) - bufferStart);
        if (keepFrom > 0) {
            buffer.limit(end).position(keepFrom);
            buffer.compact();
            bufferStart += keepFrom;
        }
    }

    /**
     * What a carve may read now: flushes, then indexes the flushed records in memory (the builder
     * is not changed; appending goes on). The segment's pcap is named as it will be when sealed.
     */
    Segments.ActiveSegment readable() throws IOException {
        flush();
        ByteBuffer bytes = index.encode(linkType, flushedBytes);
        SegmentIndex inMemory = SegmentIndex.inMemory(activeFile, bytes);
        Segment segment = new Segment(sequence, dir.resolve(Segment.pcapName(sequence)),
                dir.resolve(Segment.indexName(sequence)), flushedBytes, inMemory.sizeBytes(), index.packetCount(),
                index.flowCount(), index.minTimestamp(), index.maxTimestamp(), linkType);
        return new Segments.ActiveSegment(segment, inMemory, activeFile);
    }

    /**
     * Makes the segment durable and visible: pcap flushed and forced, index written to a temporary
     * file and forced, then both renamed to their sealed names (pcap first: a crash between the two
     * leaves a pcap without index, which recovery indexes again) and the directory forced. Until the
     * index is written nothing is closed or renamed, so a failure there (a full disk) leaves the
     * segment active and whole; a later call tries again.
     */
    Segment seal() throws IOException {
        flush();
        channel.force(true);
        Path pcap = dir.resolve(Segment.pcapName(sequence));
        Path indexFile = dir.resolve(Segment.indexName(sequence));
        Path indexTemp = dir.resolve(Segment.indexName(sequence) + ".tmp");
        long indexBytes;
        try {
            indexBytes = index.write(indexTemp, linkType, flushedBytes);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(indexTemp); // its half-written blocks are what a full disk needs back
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        channel.close();
        Files.move(activeFile, pcap, StandardCopyOption.ATOMIC_MOVE);
        Files.move(indexTemp, indexFile, StandardCopyOption.ATOMIC_MOVE);
        StoreFiles.syncDirectory(dir);
        return new Segment(sequence, pcap, indexFile, flushedBytes, indexBytes, index.packetCount(), index.flowCount(),
                index.minTimestamp(), index.maxTimestamp(), linkType);
    }

    /** Whether the file is closed (sealed, or given up part way through a seal). */
    boolean closed() {
        return !channel.isOpen();
    }

    /**
     * Closes without sealing and without writing what is buffered (the writer could not): the file
     * stays hidden with its whole records, and recovery seals it at the next open.
     */
    void closeUnsealed() {
        buffer.clear();
        try {
            channel.close();
        } catch (IOException | RuntimeException ignored) {
            // recovery at the next open deals with the file as it is
        }
    }

    /** Closes without sealing (the file stays hidden; recovery seals it at the next open). */
    @Override
    public void close() throws IOException {
        if (channel.isOpen()) {
            flush();
            channel.close();
        }
    }
}
