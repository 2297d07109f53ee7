package io.flowtrap.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against the kernel this runs on: the resident pages /proc/self/smaps counts for a file's mapping. */
class MappedPagesTest {
    private static final int SIZE = 8 << 20;

    @TempDir
    Path dir;

    @Test
    void aPopulatedMappingIsResidentBeforeItsReaderTouchesIt() throws Exception {
        assumeThat(Platform.isLinux()).as("Linux").isTrue();
        Path file = dir.resolve("capture.pcap");
        Files.write(file, new byte[SIZE]); // in the page cache now, as a capture just written or read once is
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedByteBuffer region = channel.map(FileChannel.MapMode.READ_ONLY, 4096 + 100, SIZE - 8192); // starts inside a page
            long address = Pointer.nativeValue(Native.getDirectBufferPointer(region));
            assertThat(Smaps.kbAt(address, "Rss")).as("nothing read yet, nothing mapped").isZero();
            assumeThat(MappedPages.populate(region)).as("a kernel with MADV_POPULATE_READ (5.14+)").isTrue();
            assertThat(Smaps.kbAt(address, "Rss")).as("resident after populating").isGreaterThanOrEqualTo((SIZE - 8192) / 1024);
        }
    }

    @Test
    void aRegionAskedForAheadIsMappedInByTheBackgroundThread() throws Exception {
        assumeThat(Platform.isLinux()).as("Linux").isTrue();
        Path file = dir.resolve("capture.pcap");
        Files.write(file, new byte[SIZE]);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedByteBuffer region = channel.map(FileChannel.MapMode.READ_ONLY, 0, SIZE);
            long address = Pointer.nativeValue(Native.getDirectBufferPointer(region));
            assumeThat(MappedPages.populate(channel.map(FileChannel.MapMode.READ_ONLY, 0, 4096)))
                    .as("a kernel with MADV_POPULATE_READ (5.14+)").isTrue();
            MappedPages.populateAhead(region);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (Smaps.kbAt(address, "Rss") < SIZE / 1024 && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // waits on what the kernel reports, not on a sleep
            }
            assertThat(Smaps.kbAt(address, "Rss")).as("resident, though this thread never touched it").isEqualTo(SIZE / 1024);
        }
    }
}
