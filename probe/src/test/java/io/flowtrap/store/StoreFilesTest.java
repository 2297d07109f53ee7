package io.flowtrap.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import org.junit.jupiter.api.Test;

/**
 * What the writer takes for "the disk has no room" (and answers by rotating out its oldest
 * segments) and what it does not: the JDK's own wordings of ENOSPC and EDQUOT, as a message or a
 * file-system reason, also as a cause; never another I/O error. StoreSmallerDiskIT sees the real
 * kernel's answer on a tmpfs.
 */
class StoreFilesTest {
    @Test
    void noRoomIsEnospcOrEdquotAsTheJdkSaysThem() {
        assertThat(StoreFiles.noRoom(new IOException("No space left on device"))).isTrue(); // FileChannel.write
        assertThat(StoreFiles.noRoom(new FileSystemException("/store/a", null, "No space left on device"))).isTrue();
        assertThat(StoreFiles.noRoom(new IOException("Disk quota exceeded"))).isTrue();
        assertThat(StoreFiles.noRoom(new UncheckedIOException(new IOException("No space left on device")))).isTrue();
    }

    @Test
    void otherFailuresAreNoLackOfRoom() {
        assertThat(StoreFiles.noRoom(new IOException("Input/output error"))).isFalse();
        assertThat(StoreFiles.noRoom(new AccessDeniedException("/store/a"))).isFalse();
        assertThat(StoreFiles.noRoom(new FileSystemException("/store/a", null, "Read-only file system"))).isFalse();
        assertThat(StoreFiles.noRoom(new IllegalStateException("No space left on device"))).as("a bug, not the disk").isFalse();
        assertThat(StoreFiles.noRoom(new IOException((String) null))).isFalse();
    }
}
