package io.flowtrap.store;

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
 * <p>The file only ever holds whole records: the buffer holds whole records, each flush writes it
 * at the file's known length ({@link #flushedBytes}, a positional write), and a flush that fails
 * part way (a full disk) keeps the whole records written, cuts the file back to the end of the
 * last of them and keeps the rest in the buffer, so the next flush writes them from that very
 * place: nothing twice, nothing misaligned, and the index entries already made for them (by file
 * offset) stay true. A failed seal leaves the segment active and
 * whole, to be sealed by a later try (or by recovery at the next open). Not thread-safe: one
 * writer thread.
 */
final class SegmentWriter implements Closeable {
    private static final int BUFFER_SIZE = 1 << 20;

    private final Path dir;
    private final long sequence;
    private final int linkType;
    private final Path activeFile;
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private final SegmentIndexBuilder index;
    private long flushedBytes;
    private int flushedPackets;
    private long successfulFlushes;
    private long firstTimestamp = Long.MIN_VALUE;

    SegmentWriter(Path dir, long sequence, int linkType, int snaplen, SegmentIndexBuilder index, ByteBuffer buffer)
            throws IOException {
        this.dir = dir;
        this.sequence = sequence;
        this.linkType = linkType;
        this.index = index;
        this.buffer = buffer;
        this.activeFile = dir.resolve(Segment.activeName(sequence));
        index.reset();
        buffer.clear().order(ByteOrder.LITTLE_ENDIAN);
        channel = StoreFiles.openForWriting(activeFile, StandardOpenOption.CREATE_NEW);
        PcapFormat.putGlobalHeader(buffer, snaplen, linkType);
    }

    static ByteBuffer newBuffer() {
        return ByteBuffer.allocateDirect(BUFFER_SIZE);
    }

    long sequence() {
        return sequence;
    }

    int linkType() {
        return linkType;
    }

    /** Bytes of the pcap so far, buffered ones included. */
    long size() {
        return flushedBytes + buffer.position();
    }

    /** Bytes handed to the OS so far: the file's length, all whole records. */
    long flushedBytes() {
        return flushedBytes;
    }

    /** How many flushes wrote something (a flush after a failure that works tells the disk has room again). */
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

    /** Packets appended but still only in the buffer. */
    int bufferedPackets() {
        return index.packetCount() - flushedPackets;
    }

    /** The captured bytes of the packets still only in the buffer. */
    long bufferedCapturedBytes() {
        return buffer.position() - (long) PcapFormat.RECORD_HEADER_SIZE * bufferedPackets()
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
            flush();
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
     * Hands buffered bytes to the OS (not a sync) at the file's end. On failure (a full disk) the
     * whole records that did get written are kept, the file is cut back to the last of them (the
     * part written after it may be half a record), the rest stays buffered, to be written from
     * there by the next flush, and the exception is thrown.
     */
    void flush() throws IOException {
        if (buffer.position() == 0) {
            return;
        }
        buffer.flip();
        long at = flushedBytes;
        try {
            while (buffer.hasRemaining()) {
                at += channel.write(buffer, at);
            }
        } catch (IOException | RuntimeException e) {
            int whole = keepWholeRecords((int) (at - flushedBytes));
            try {
                channel.truncate(flushedBytes); // cuts what follows the last whole record
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed); // the next flush overwrites it from flushedBytes anyway
            }
            if (whole > 0) {
                successfulFlushes++; // something was written: the disk took part of it
            }
            throw e;
        }
        flushedBytes += buffer.limit();
        flushedPackets = index.packetCount();
        successfulFlushes++;
        buffer.clear();
    }

    /**
     * After a flush wrote only {@code written} bytes of the buffer (in read mode): counts the whole
     * records among them as flushed, moves the rest to the buffer's start (write mode again) and
     * returns how many bytes were kept as written.
     */
    private int keepWholeRecords(int written) {
        int end = buffer.limit();
        int whole = 0;
        int records = 0;
        if (flushedBytes == 0) {
            whole = written >= PcapFormat.GLOBAL_HEADER_SIZE ? PcapFormat.GLOBAL_HEADER_SIZE : -1;
        }
        if (whole >= 0) {
            while (whole + PcapFormat.RECORD_HEADER_SIZE <= end) {
                int next = whole + PcapFormat.RECORD_HEADER_SIZE + buffer.getInt(whole + 8); // caplen, little-endian
                if (next > written) {
                    break;
                }
                whole = next;
                records++;
            }
        } else {
            whole = 0;
        }
        buffer.limit(end).position(whole);
        buffer.compact(); // the unwritten records first, ready for more
        flushedBytes += whole;
        flushedPackets += records;
        return whole;
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
