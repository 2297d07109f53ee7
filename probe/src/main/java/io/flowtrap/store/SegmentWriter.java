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
 * Not thread-safe: one writer thread.
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
        channel = FileChannel.open(activeFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
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

    /** Bytes handed to the OS so far. */
    long flushedBytes() {
        return flushedBytes;
    }

    /** Timestamp of the first packet written (Long.MIN_VALUE before any). */
    long firstTimestamp() {
        return firstTimestamp;
    }

    int packets() {
        return index.packetCount();
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

    /** Hands buffered bytes to the OS (not a sync). */
    void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            flushedBytes += channel.write(buffer);
        }
        buffer.clear();
    }

    /**
     * Makes the segment durable and visible: pcap flushed and forced, index written to a temporary
     * file and forced, then both renamed to their sealed names (pcap first: a crash between the two
     * leaves a pcap without index, which recovery indexes again) and the directory forced.
     */
    Segment seal() throws IOException {
        flush();
        channel.force(true);
        channel.close();
        Path pcap = dir.resolve(Segment.pcapName(sequence));
        Path indexFile = dir.resolve(Segment.indexName(sequence));
        Path indexTemp = dir.resolve(Segment.indexName(sequence) + ".tmp");
        long indexBytes = index.write(indexTemp, linkType, flushedBytes);
        Files.move(activeFile, pcap, StandardCopyOption.ATOMIC_MOVE);
        Files.move(indexTemp, indexFile, StandardCopyOption.ATOMIC_MOVE);
        StoreFiles.syncDirectory(dir);
        return new Segment(sequence, pcap, indexFile, flushedBytes, indexBytes, index.packetCount(), index.flowCount(),
                index.minTimestamp(), index.maxTimestamp(), linkType);
    }

    /**
     * Gives the segment up after a failure: closes the file and deletes whatever of it exists under
     * any of its names (hidden, sealed, temporary index). Best effort, never throws: what cannot be
     * deleted is cleaned up by recovery at the next open.
     */
    void abandon() {
        buffer.clear();
        try {
            channel.close();
        } catch (IOException | RuntimeException ignored) {
            // the file is being given up anyway
        }
        for (Path p : new Path[] {activeFile, dir.resolve(Segment.pcapName(sequence)),
                dir.resolve(Segment.indexName(sequence) + ".tmp"), dir.resolve(Segment.indexName(sequence))}) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException | RuntimeException ignored) {
                // left for recovery at the next open
            }
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
