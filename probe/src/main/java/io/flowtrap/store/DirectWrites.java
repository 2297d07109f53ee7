package io.flowtrap.store;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Whether a store directory's file system takes direct writes ({@code O_DIRECT}), and in what
 * block size. Written through the page cache, a segment's bytes are copied by the kernel into
 * cache pages, then written back by the kernel's flusher threads, and once dirty pages pile up
 * the writer is throttled: measured here (ext4 on a virtio disk, 2026-12-02), {@code dd bs=1M}
 * wrote 1.0 GB/s and then 364 MB/s buffered, 1.7 GB/s with {@code oflag=direct}; in the ingest
 * benchmark the buffered {@code pwrite} took 41 % of the writer thread's CPU, its page copy
 * alone 24 %. A pcap store is written once, in order, and read back rarely (a carve reads a
 * flow's few packets), so caching what it writes buys nothing; Stenographer writes its blocks
 * with {@code O_DIRECT} for the same reason. Direct writes must start at a multiple of the
 * block size and be whole blocks from a buffer aligned alike ({@link SegmentWriter} keeps to
 * that); a file system that refuses them (some network and FUSE file systems) gets buffered
 * writes. Stateless; thread-safe.
 */
final class DirectWrites {
    /** Block sizes beyond this are not worth aligning a 1 MB buffer to; such a store writes buffered. */
    private static final int LARGEST_BLOCK = 64 * 1024;
    /** The alignment of buffered writes: any. */
    static final int BUFFERED = 1;

    private DirectWrites() {}

    /** How a store writes: in {@code block}-byte direct writes, or buffered ({@link #BUFFERED}); {@code says} why, for its log. */
    record Mode(int block, String says) {
        boolean direct() {
            return block != BUFFERED;
        }
    }

    /**
     * How the store in {@code dir} writes: directly, in the file system's block size, after one
     * such write there worked (to a temporary file, deleted again, named as recovery deletes a
     * leftover); else buffered, saying why.
     */
    static Mode of(Path dir) {
        Path probe = dir.resolve(".direct-write-check.tmp");
        int block;
        try {
            block = (int) Math.min(Integer.MAX_VALUE, Files.getFileStore(dir).getBlockSize());
        } catch (IOException | UnsupportedOperationException e) {
            return new Mode(BUFFERED, "buffered writes (block size unknown: " + e + ")");
        }
        if (block <= 1 || block > LARGEST_BLOCK || Integer.bitCount(block) != 1) {
            return new Mode(BUFFERED, "buffered writes (block size " + block + " bytes)");
        }
        Mode mode;
        try {
            Files.deleteIfExists(probe);
            try (FileChannel ch = StoreFiles.openForWriting(probe, StandardOpenOption.CREATE_NEW, ExtendedOpenOption.DIRECT)) {
                ByteBuffer one = alignedBuffer(block, block);
                while (one.hasRemaining()) {
                    ch.write(one, one.position());
                }
            }
            mode = new Mode(block, "direct writes (O_DIRECT) in blocks of " + block + " bytes");
        } catch (IOException | UnsupportedOperationException e) {
            mode = new Mode(BUFFERED, "buffered writes (the file system refuses direct ones: " + e + ")");
        }
        try {
            Files.deleteIfExists(probe);
        } catch (IOException e) {
            // recovery deletes it at the next open, as any leftover temporary file
        }
        return mode;
    }

    /** A zeroed direct buffer of {@code capacity} bytes whose address is a multiple of {@code alignment}. */
    static ByteBuffer alignedBuffer(int capacity, int alignment) {
        ByteBuffer raw = ByteBuffer.allocateDirect(capacity + alignment);
        return raw.alignedSlice(alignment).limit(capacity).slice();
    }
}
