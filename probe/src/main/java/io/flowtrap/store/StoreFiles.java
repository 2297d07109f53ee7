package io.flowtrap.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * File-system steps the store's durability and privacy rest on. Captured packets are private:
 * every file the store creates is {@code rw-r-----} (0640: the probe's user writes, its group,
 * say a log shipper or an analyst's tools, reads) and its directories {@code rwxr-x---} (0750),
 * whatever the process's umask, set at creation so no file is ever readable by others, even for a
 * moment. Stateless; thread-safe.
 */
public final class StoreFiles {
    /** rw-r-----: the mode of every file the store and the carve directory create. */
    public static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-r-----");
    /** rwxr-x---: the mode of the store's and the carve directory's directories. */
    public static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwxr-x---");

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private StoreFiles() {}

    /**
     * Whether {@code failure} (or one of its causes) is the file system saying it has no room:
     * ENOSPC ("No space left on device") or EDQUOT ("Disk quota exceeded"), as the JDK words them
     * in an {@link IOException}'s message or a {@link FileSystemException}'s reason.
     */
    static boolean noRoom(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                String text = t instanceof FileSystemException f ? f.getReason() : t.getMessage();
                if (text != null && (text.contains("No space left on device") || text.contains("Disk quota exceeded"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Forces a directory's entries (renames, creations, deletions) to disk. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Opens {@code file} for writing with {@code options}; created 0640 if it does not exist. */
    static FileChannel openForWriting(Path file, OpenOption... options) throws IOException {
        Set<OpenOption> set = new java.util.HashSet<>(java.util.List.of(options));
        set.add(StandardOpenOption.WRITE);
        return POSIX ? FileChannel.open(file, set, PosixFilePermissions.asFileAttribute(FILE_MODE))
                : FileChannel.open(file, set);
    }

    /** Writes {@code bytes} as the whole of {@code file} (created 0640, or truncated) and forces it. */
    static void writeForced(Path file, ByteBuffer bytes) throws IOException {
        try (FileChannel ch = openForWriting(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        }
    }

    /**
     * Creates {@code dir} and its missing parents, each new one 0750, and takes from {@code dir}
     * itself what 0750 does not grant if it existed with more (best effort); returns it.
     */
    public static Path createPrivateDirectories(Path dir) throws IOException {
        if (!POSIX) {
            return Files.createDirectories(dir);
        }
        FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(DIRECTORY_MODE);
        Files.createDirectories(dir, mode);
        try {
            Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir);
            if (!DIRECTORY_MODE.containsAll(now)) {
                Set<PosixFilePermission> tightened = java.util.EnumSet.copyOf(now);
                tightened.retainAll(DIRECTORY_MODE);
                Files.setPosixFilePermissions(dir, tightened);
            }
        } catch (IOException e) {
            // not ours to change (another owner): its files are 0640 all the same
        }
        return dir;
    }

    /** Creates a new empty file 0640 ({@code Files.createTempFile} makes 0600, which is stricter and fine too). */
    public static Path createFile(Path file) throws IOException {
        return POSIX ? Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE_MODE)) : Files.createFile(file);
    }
}
