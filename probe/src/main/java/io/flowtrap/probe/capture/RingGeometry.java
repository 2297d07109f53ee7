package io.flowtrap.probe.capture;

/**
 * The shape of a TPACKET_V3 receive ring ({@code struct tpacket_req3}), derived from the buffer
 * size an operator gives ({@code capture.buffer}) and the snaplen.
 *
 * <p>Blocks are what the kernel hands over: it fills one block with packets back to back, then
 * hands it to user space when it is full or {@code retireTimeoutMillis} after its first packet
 * (so a quiet wire still delivers), and drops packets while no block is free. On a busy wire the
 * buffer's bytes are what absorbs a stall of the capture thread; on a light one each block leaves
 * nearly empty at the timeout, so blocks × timeout is how long a stall may last before packets are
 * dropped with the memory unused. Hence many blocks; a hand-over costs one memory read (a poll
 * only when the next block is not ready), so blocks of 1 MiB, a few hundred a second at line
 * rate, cost nothing that counts. So: about {@value #TARGET_BLOCKS} blocks, each a power of two
 * between the smallest that holds one frame of {@code snaplen} and {@value #MAX_BLOCK_BYTES}
 * bytes; as many blocks as fit in the buffer, at least {@value #MIN_BLOCKS}. The frame size is what the kernel's
 * accounting needs ({@code frame_nr = block_size / frame_size × block_nr}) and what older kernels
 * cap a packet at: a frame's headers ({@value #FRAME_HEADROOM} bytes before the network header,
 * {@link LinuxPacketSocket#RESERVE} included) plus {@code snaplen}, 16-byte aligned.
 */
record RingGeometry(int blockSize, int blockCount, int frameSize, int retireTimeoutMillis) {
    static final int MAX_BLOCK_BYTES = 4 << 20;
    static final int TARGET_BLOCKS = 64;
    static final int MIN_BLOCKS = 2;
    static final int RETIRE_TIMEOUT_MILLIS = 8;
    /**
     * TPACKET_ALIGN(sizeof(tpacket3_hdr) = 48) + sizeof(sockaddr_ll) = 68, plus 16 (the kernel
     * reserves at least 16 bytes for the MAC header), aligned to 16 = 96, plus the reserve.
     */
    static final int FRAME_HEADROOM = 96 + LinuxPacketSocket.RESERVE;
    private static final int TPACKET_ALIGNMENT = 16;

    RingGeometry {
        if (blockSize <= 0 || frameSize <= 0 || frameSize > blockSize || blockCount < 1 || frameSize % TPACKET_ALIGNMENT != 0) {
            throw new IllegalArgumentException("impossible ring: " + blockCount + " blocks of " + blockSize + " B, frames of "
                    + frameSize + " B");
        }
    }

    /** The ring for {@code bufferBytes} of memory and {@code snaplen}, on a machine of {@code pageSize}. */
    static RingGeometry forBuffer(long bufferBytes, int snaplen, int pageSize) {
        if (snaplen <= 0 || pageSize <= 0 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("snaplen " + snaplen + ", page size " + pageSize);
        }
        int frameSize = align(FRAME_HEADROOM + snaplen, TPACKET_ALIGNMENT);
        int smallestBlock = pageSize;
        while (smallestBlock < frameSize) {
            smallestBlock <<= 1;
        }
        long wanted = Math.max(1, bufferBytes / TARGET_BLOCKS);
        int blockSize = (int) Math.max(smallestBlock, Math.min(MAX_BLOCK_BYTES, Long.highestOneBit(wanted)));
        long blocks = Math.max(MIN_BLOCKS, bufferBytes / blockSize);
        if (blocks * (blockSize / frameSize) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("capture buffer of " + bufferBytes + " bytes is too large for one ring");
        }
        return new RingGeometry(blockSize, (int) blocks, frameSize, RETIRE_TIMEOUT_MILLIS);
    }

    /** {@code tp_frame_nr}: frames per block × blocks (the kernel checks this exact product). */
    int frameCount() {
        return blockSize / frameSize * blockCount;
    }

    /** The bytes to map: every block. */
    long ringBytes() {
        return (long) blockSize * blockCount;
    }

    private static int align(int value, int alignment) {
        return (value + alignment - 1) & -alignment;
    }

    @Override
    public String toString() {
        return blockCount + " blocks of " + blockSize / 1024 + " KiB (" + ringBytes() / 1024 + " KiB), frames of " + frameSize
                + " B, block retire timeout " + retireTimeoutMillis + " ms";
    }
}
