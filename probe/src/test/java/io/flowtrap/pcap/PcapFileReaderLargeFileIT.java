package io.flowtrap.pcap;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.packet.PacketRecord;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2.2 GB pcap (sparse: only headers and a marker byte per record are written) read past the 2 GB
 * line a single mapped buffer cannot cross; tcpdump agrees on the count.
 */
class PcapFileReaderLargeFileIT {

    @TempDir
    Path dir;

    @Test
    void readsEveryRecordOfAFileOver2GB() throws Exception {
        Path f = dir.resolve("large.pcap");
        int caplen = 65_000;
        long target = 2_200_000_000L;
        int count = 0;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            PcapFormat.putGlobalHeader(header, PcapFormat.MAX_SNAPLEN, 1);
            ch.write(header.flip(), 0);
            long pos = 24;
            ByteBuffer rec = ByteBuffer.allocate(17).order(ByteOrder.LITTLE_ENDIAN);
            while (pos < target) {
                rec.clear();
                PcapFormat.putRecordHeader(rec, 1_000_000_000L * count, caplen, caplen);
                rec.put((byte) count); // first data byte marks the record
                ch.write(rec.flip(), pos);
                pos += 16 + caplen;
                count++;
            }
            ch.truncate(pos);
            ch.write(ByteBuffer.allocate(1), pos - 1); // make the last record whole
        }
        try (PcapFileReader r = PcapFileReader.open(f)) {
            PacketRecord p = new PacketRecord();
            int n = 0;
            long lastOffset = -1;
            while (r.next(p)) {
                assertThat(p.capturedLength()).isEqualTo(caplen);
                assertThat(p.buffer().get(p.offset())).isEqualTo((byte) n);
                assertThat(p.timestampNanos()).isEqualTo(1_000_000_000L * n);
                assertThat(r.recordOffset()).isGreaterThan(lastOffset);
                lastOffset = r.recordOffset();
                n++;
            }
            assertThat(n).isEqualTo(count);
            assertThat(lastOffset).isGreaterThan(Integer.MAX_VALUE);
            assertThat(r.truncatedTail()).isFalse();
        }
        String out = PcapTestFiles.run("tcpdump", "--count", "-r", f.toString());
        assertThat(Long.parseLong(out.trim().split(" ")[0])).isEqualTo(count);
    }
}
