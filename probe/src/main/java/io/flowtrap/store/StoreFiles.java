package io.flowtrap.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** File-system steps the store's durability rests on. Stateless; thread-safe. */
final class StoreFiles {
    private StoreFiles() {}

    /** Forces a directory's entries (renames, creations, deletions) to disk. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
