package io.flowtrap.manager.alerts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Cuts an NDJSON body into lines without ever holding more than {@code maxLine} bytes of one (the
 * bytes before its newline, the CR of a CRLF included): a longer line is skipped to its end and reported as such, and the body as a whole may not exceed
 * {@code maxBody} bytes. Not thread-safe: one request.
 */
final class NdjsonLines {
    /** Thrown once the body passes its bound. */
    static final class BodyTooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        BodyTooLarge(long maxBody) {
            super("the body is larger than " + maxBody + " bytes");
        }
    }

    private final InputStream in;
    private final int maxLine;
    private final long maxBody;
    private final byte[] chunk = new byte[64 * 1024];
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private int chunkPos;
    private int chunkEnd;
    private long bodyBytes;
    private boolean oversized;

    NdjsonLines(InputStream in, int maxLine, long maxBody) {
        this.in = in;
        this.maxLine = maxLine;
        this.maxBody = maxBody;
    }

    /** The next line (without its newline), or null at the end; see {@link #lastOversized()}. */
    String next() throws IOException {
        line.reset();
        oversized = false;
        boolean any = false;
        while (true) {
            if (chunkPos == chunkEnd) {
                int n = in.read(chunk);
                if (n < 0) {
                    return any ? finish() : null;
                }
                bodyBytes += n;
                if (bodyBytes > maxBody) {
                    throw new BodyTooLarge(maxBody);
                }
                chunkPos = 0;
                chunkEnd = n;
            }
            any = true;
            int start = chunkPos;
            while (chunkPos < chunkEnd && chunk[chunkPos] != '\n') {
                chunkPos++;
            }
            if (!oversized) {
                int n = chunkPos - start;
                if (line.size() + n > maxLine) {
                    oversized = true;
                    line.reset();
                } else {
                    line.write(chunk, start, n);
                }
            }
            if (chunkPos < chunkEnd) {
                chunkPos++; // the newline
                return finish();
            }
        }
    }

    /** Whether the line {@link #next()} just gave was longer than the bound (it gave "" for it). */
    boolean lastOversized() {
        return oversized;
    }

    private String finish() {
        if (oversized) {
            return "";
        }
        int n = line.size();
        byte[] bytes = line.toByteArray();
        if (n > 0 && bytes[n - 1] == '\r') {
            n--;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }
}
