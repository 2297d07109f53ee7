package io.flowtrap.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real tmpfs of a given size mounted for one test (we are root), so that "the disk is full" is
 * what the kernel says, not what a test pretends. Unmounted lazily: memory mappings of files on it
 * (segment indexes, the spool's queue, a reader's windows) keep it busy until they are collected.
 */
public final class SmallFileSystem implements AutoCloseable {
    private final Path path;

    private SmallFileSystem(Path path) {
        this.path = path;
    }

    /** Mounts a tmpfs of {@code size} (as mount's size= takes it, e.g. "8m") at {@code at}, made if missing. */
    public static SmallFileSystem mount(Path at, String size) throws IOException {
        Files.createDirectories(at);
        run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at.toString());
        return new SmallFileSystem(at);
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        run("umount", "--lazy", path.toString());
    }

    private static void run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int exit;
        try {
            exit = p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + ": interrupted", e);
        }
        if (exit != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + out);
        }
    }
}
