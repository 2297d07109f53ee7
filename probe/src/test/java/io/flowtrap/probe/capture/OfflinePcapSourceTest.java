package io.flowtrap.probe.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.packet.PacketRecord;
import io.flowtrap.pcap.PcapTestFiles;
import io.flowtrap.pcap.PcapTestFiles.Packet;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OfflinePcapSourceTest {

    @TempDir
    Path dir;

    private Path file(long gapNanos) throws Exception {
        List<Packet> packets = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            packets.add(new Packet(1_700_000_000_000_000_000L + i * gapNanos, new byte[] {(byte) i}, 1, 1));
        }
        return PcapTestFiles.write(dir.resolve("p.pcap"),
                PcapTestFiles.classic(packets, ByteOrder.LITTLE_ENDIAN, true, 1));
    }

    @Test
    void replaysEveryPacketThenReportsExhausted() throws Exception {
        try (OfflinePcapSource s = OfflinePcapSource.asFastAsPossible(file(1_000_000_000L))) {
            PacketRecord r = new PacketRecord();
            int n = 0;
            while (s.next(r)) {
                assertThat(r.buffer().get(r.offset())).isEqualTo((byte) n);
                n++;
            }
            assertThat(n).isEqualTo(5);
            assertThat(s.exhausted()).isTrue();
            assertThat(s.dropped()).isZero();
        }
    }

    @Test
    void pacedReplayFollowsTimestampsScaledBySpeed() throws Exception {
        // 4 gaps of 100 ms at speed 2 → at least 200 ms; as fast as possible would take ~0
        try (OfflinePcapSource s = OfflinePcapSource.paced(file(100_000_000L), 2.0)) {
            PacketRecord r = new PacketRecord();
            long start = System.nanoTime();
            int n = 0;
            while (s.next(r)) {
                n++;
            }
            long took = System.nanoTime() - start;
            assertThat(n).isEqualTo(5);
            assertThat(took).isGreaterThanOrEqualTo(200_000_000L);
        }
        assertThatThrownBy(() -> OfflinePcapSource.paced(file(1), 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
