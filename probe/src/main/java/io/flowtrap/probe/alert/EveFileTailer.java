package io.flowtrap.probe.alert;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a Suricata {@code eve.json} like {@code tail -F}, handing each complete line to an
 * {@link EveLineDispatcher}. Only newline-terminated lines are delivered: a line Suricata writes in
 * two pieces comes out once, whole.
 *
 * <p>Rotation: the file is followed by identity (its {@code fileKey}, device + inode on Linux).
 * <ul>
 *   <li>rename + new file (logrotate default, Suricata reopening on SIGHUP): when the path names
 *       another file (or none), the old file is read to its end until it stayed quiet for one more
 *       poll, then the new file is followed from its start;
 *   <li>copytruncate: when the file becomes shorter than what was read, it is read again from 0;
 *       a truncation followed by more growth than was read within one poll interval cannot be
 *       seen and is read from the old offset (keep the poll interval short);
 *   <li>a file that does not exist yet is waited for, and then read from its start.
 * </ul>
 * An unterminated line left behind by a rotation or truncation is counted as malformed.
 *
 * <p>{@link #run()} is the tailer's loop and runs on the caller's thread (one thread only); it
 * returns after {@link #close()}. {@code close()} may be called from any thread: it wakes the loop
 * and waits (up to 5 s) for it to finish, so no line is delivered after it returns. Sleeps
 * {@code pollInterval} when there is nothing to read.
 */
public final class EveFileTailer implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EveFileTailer.class);
    /** Longest EVE line kept; Suricata's lines are a few KiB (payload printing can make tens). */
    public static final int MAX_LINE_BYTES = 16 << 20;

    /** Where to start in the file that exists when the tailer starts. */
    public enum StartPosition {
        /** Read the whole existing file. */
        BEGINNING,
        /** Skip what the file holds already (from its next complete line on). */
        END
    }

    private final Path file;
    private final StartPosition start;
    private final long pollNanos;
    private final EveLineDispatcher dispatcher;
    private final EveLineSplitter splitter = new EveLineSplitter(MAX_LINE_BYTES);
    private final ByteBuffer buffer = ByteBuffer.allocate(64 << 10);
    private final CountDownLatch closeSignal = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final String origin;
    private final EveLineSplitter.Lines lines;

    private volatile boolean closed;
    private volatile Thread runner;
    private volatile long position;
    private volatile long rotations;
    private volatile long truncations;

    private FileChannel channel;
    private Object fileKey;
    private boolean rotationSeen;
    private String lastError;

    public EveFileTailer(Path file, StartPosition start, Duration pollInterval, EveLineDispatcher dispatcher) {
        this.file = Objects.requireNonNull(file, "file");
        this.start = Objects.requireNonNull(start, "start");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive: " + pollInterval);
        }
        this.pollNanos = pollInterval.toNanos();
        this.origin = file.toString();
        this.lines = new EveLineSplitter.Lines() {
            @Override
            public void line(String line) {
                dispatcher.dispatch(line, origin);
            }

            @Override
            public void overlong(long length) {
                dispatcher.overlong(origin, length, MAX_LINE_BYTES);
            }
        };
    }

    @Override
    public void run() {
        if (runner != null) {
            throw new IllegalStateException("tailer of " + file + " is already running");
        }
        runner = Thread.currentThread();
        boolean firstOpen = true;
        try {
            while (!closed) {
                try {
                    if (channel == null) {
                        if (!open(firstOpen)) {
                            firstOpen = false;
                            sleep();
                            continue;
                        }
                        firstOpen = false;
                    }
                    if (readAvailable() > 0) {
                        rotationSeen = false; // still being written: wait for another quiet poll
                        continue;
                    }
                    if (checkRotation()) {
                        continue; // switch to the new file at once
                    }
                    lastError = null;
                    sleep();
                } catch (IOException e) {
                    if (closed) {
                        break;
                    }
                    String message = e.toString();
                    if (!message.equals(lastError)) {
                        LOG.warn("reading {} failed, will retry: {}", file, message);
                        lastError = message;
                    }
                    closeChannel();
                    splitter.reset();
                    sleep();
                }
            }
        } finally {
            closeChannel();
            finished.countDown();
        }
    }

    /** Opens the file if it exists; returns false if it does not (yet). */
    private boolean open(boolean firstOpen) throws IOException {
        Object keyBefore = fileKeyOrNull();
        if (keyBefore == null && !Files.exists(file)) {
            return false;
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return false;
        }
        Object keyAfter = fileKeyOrNull();
        if (keyAfter == null || !keyAfter.equals(keyBefore)) {
            ch.close(); // replaced while we opened it: try again next round
            return false;
        }
        channel = ch;
        fileKey = keyAfter;
        rotationSeen = false;
        splitter.reset();
        long pos = 0;
        if (firstOpen && start == StartPosition.END) {
            pos = ch.size();
            if (pos > 0 && !endsWithNewline(ch, pos)) {
                splitter.skipToNextLine();
            }
        }
        position = pos;
        LOG.info("following {} from offset {}", file, pos);
        return true;
    }

    private static boolean endsWithNewline(FileChannel ch, long size) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        return ch.read(one, size - 1) == 1 && one.get(0) == '\n';
    }

    /** Reads everything the open file holds beyond the position; returns the number of bytes. */
    private long readAvailable() throws IOException {
        long total = 0;
        while (!closed) {
            buffer.clear();
            int n = channel.read(buffer, position);
            if (n <= 0) {
                break;
            }
            buffer.flip();
            splitter.feed(buffer, lines);
            position += n;
            total += n;
        }
        return total;
    }

    /**
     * Called when the open file had nothing new. Returns true if the tailer let go of the file
     * (rotated away) and should look for the new one at once.
     */
    private boolean checkRotation() throws IOException {
        Object current = fileKeyOrNull();
        if (current == null || !current.equals(fileKey)) {
            if (!rotationSeen) {
                rotationSeen = true; // give the writer one more poll to finish in the old file
                return false;
            }
            long pending = splitter.pendingBytes();
            if (pending > 0) {
                dispatcher.malformed(origin, "line: unterminated last line (" + pending
                        + " bytes) in the rotated file", "(not shown)");
            }
            LOG.info("{} was rotated ({} bytes read from the old file); following the new one", file, position);
            closeChannel();
            splitter.reset();
            rotations++;
            return true;
        }
        rotationSeen = false;
        long size = channel.size();
        if (size < position) {
            long pending = splitter.pendingBytes();
            if (pending > 0) {
                dispatcher.malformed(origin, "line: unterminated line (" + pending
                        + " bytes) cut by truncation", "(not shown)");
            }
            LOG.info("{} was truncated from {} to {} bytes (copytruncate); reading again from 0", file, position, size);
            splitter.reset();
            position = 0;
            truncations++;
            return true;
        }
        return false;
    }

    private Object fileKeyOrNull() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            Object key = a.fileKey();
            return key != null ? key : Boolean.TRUE; // no identity on this file system: never a rename
        } catch (IOException e) {
            return null;
        }
    }

    private void sleep() {
        try {
            closeSignal.await(pollNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("closing {}", file, e);
            }
            channel = null;
        }
    }

    /** Offset in the followed file up to which bytes were read (lines delivered or pending). */
    public long position() {
        return position;
    }

    /** Rename rotations seen so far. */
    public long rotations() {
        return rotations;
    }

    /** Truncations (copytruncate) seen so far. */
    public long truncations() {
        return truncations;
    }

    public Path file() {
        return file;
    }

    /** Stops the loop; waits up to 5 s for it to return unless called from the loop itself. */
    @Override
    public void close() {
        closed = true;
        closeSignal.countDown();
        Thread t = runner;
        if (t != null && t != Thread.currentThread()) {
            try {
                if (!finished.await(5, TimeUnit.SECONDS)) {
                    LOG.warn("tailer of {} did not stop within 5 s", file);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
