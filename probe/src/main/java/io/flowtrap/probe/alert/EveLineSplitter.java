package io.flowtrap.probe.alert;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Cuts a byte stream into newline-terminated lines, however the bytes arrive (a line written or read
 * in several pieces comes out once, whole). A trailing {@code '\r'} is dropped. A line longer than
 * the limit is not kept in memory: its bytes are skipped up to the next newline and it is reported
 * once through {@link Lines#overlong}.
 *
 * <p>Not thread-safe: one splitter per stream, used by one thread.
 */
final class EveLineSplitter {
    /** Receives what the splitter finds. */
    interface Lines {
        void line(String line);

        void overlong(long length);
    }

    private final int maxLineBytes;
    private byte[] pending = new byte[8192];
    private int pendingLength;
    /** Bytes of an overlong line skipped so far, or -1 when not skipping. */
    private long skipping = -1;
    /** Whether the line being skipped is dropped silently (the tail of a line we joined mid-way). */
    private boolean silent;

    EveLineSplitter(int maxLineBytes) {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        }
        this.maxLineBytes = maxLineBytes;
    }

    /** Consumes all remaining bytes of {@code in}, emitting every line they complete. */
    void feed(ByteBuffer in, Lines out) {
        while (in.hasRemaining()) {
            int start = in.position();
            int limit = in.limit();
            int nl = indexOfNewline(in, start, limit);
            int end = nl < 0 ? limit : nl;
            int n = end - start;
            if (skipping >= 0) {
                skipping += n;
            } else if (pendingLength + n > maxLineBytes) {
                skipping = pendingLength + n;
                pendingLength = 0;
            } else {
                ensure(pendingLength + n);
                in.get(pending, pendingLength, n);
                pendingLength += n;
            }
            in.position(nl < 0 ? limit : nl + 1);
            if (nl >= 0) {
                if (skipping >= 0) {
                    if (!silent) {
                        out.overlong(skipping);
                    }
                    skipping = -1;
                    silent = false;
                } else {
                    int len = pendingLength;
                    if (len > 0 && pending[len - 1] == '\r') {
                        len--;
                    }
                    pendingLength = 0;
                    out.line(new String(pending, 0, len, StandardCharsets.UTF_8));
                }
            }
        }
    }

    private static int indexOfNewline(ByteBuffer in, int start, int limit) {
        if (in.hasArray()) {
            byte[] a = in.array();
            int base = in.arrayOffset();
            for (int i = start; i < limit; i++) {
                if (a[base + i] == '\n') {
                    return i;
                }
            }
            return -1;
        }
        for (int i = start; i < limit; i++) {
            if (in.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Bytes held of a line not yet terminated (including skipped bytes of an overlong one). */
    long pendingBytes() {
        return skipping >= 0 ? skipping : pendingLength;
    }

    /**
     * Drops, without reporting, everything up to and including the next newline: for joining a
     * stream in the middle of a line.
     */
    void skipToNextLine() {
        pendingLength = 0;
        skipping = 0;
        silent = true;
    }

    /** Forgets an unterminated line (the stream it came from is gone). */
    void reset() {
        pendingLength = 0;
        skipping = -1;
        silent = false;
        if (pending.length > 65536) {
            pending = new byte[8192];
        }
    }

    private void ensure(int capacity) {
        if (capacity > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(capacity, Math.min(maxLineBytes, pending.length * 2)));
        }
    }
}
