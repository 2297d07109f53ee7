package io.flowtrap.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Against the kernel this runs on: what /proc/self/smaps says of the buffer's memory. */
class HugePageBuffersTest {
    @Test
    void aBufferIsWholeZeroedAndWritableWhateverThePages() {
        HugePageBuffers.Allocation a = HugePageBuffers.allocate("test", 6 << 20);
        ByteBuffer b = a.buffer();
        assertThat(b.isDirect()).isTrue();
        assertThat(b.capacity()).isEqualTo(6 << 20);
        assertThat(b.position()).isZero();
        for (int i = 0; i < b.capacity(); i += 4096) {
            assertThat(b.get(i)).isZero();
        }
        b.putLong(b.capacity() - 8, -1L);
        assertThat(b.getLong(b.capacity() - 8)).isEqualTo(-1L);
    }

    @Test
    void aSmallBufferIsAPlainDirectBuffer() {
        HugePageBuffers.Allocation a = HugePageBuffers.allocate("test", 64 * 1024);
        assertThat(a.hugePages()).isFalse();
        assertThat(a.buffer().capacity()).isEqualTo(64 * 1024);
    }

    @Test
    void whereTheKernelGrantsHugePagesTheBufferIsOnThem() throws Exception {
        Path enabled = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        assumeThat(Files.isReadable(enabled) && !Files.readString(enabled).contains("[never]"))
                .as("a Linux kernel with transparent huge pages").isTrue();
        HugePageBuffers.Allocation a = HugePageBuffers.allocate("test", 8 << 20);
        long address = Pointer.nativeValue(Native.getDirectBufferPointer(a.buffer()));
        assertThat(address % HugePageBuffers.HUGE_PAGE).as("cut at a 2 MB boundary").isZero();
        assumeThat(a.hugePages()).as("the kernel collapsed the range (MADV_COLLAPSE, Linux 6.1+, a free huge page)").isTrue();
        assertThat(Smaps.kbAt(address, "AnonHugePages")).as("AnonHugePages of the mapping holding the buffer").isGreaterThanOrEqualTo(8 << 10);
    }
}
