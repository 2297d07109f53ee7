package io.flowtrap.packet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.flowtrap.pcap.PcapFileReader;
import io.flowtrap.probe.capture.BpfCompiler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The interpreter keeps exactly the packets libpcap's own {@code pcap_offline_filter} keeps, for
 * expressions that exercise every instruction class libpcap emits (absolute and indexed loads, the
 * IPv4 header length, VLAN and QinQ, IPv6, arithmetic, bit tests, lengths), over the demo capture's
 * 1,766 frames; and a program that could run outside itself is refused when built.
 */
class BpfProgramTest {
    private static final Path DEMO = demoPcap();
    private static final int DLT_EN10MB = 1;
    /** Expressions no frame of the demo capture matches (tcpdump -r keeps none either). */
    private static final List<String> NONE_IN_THE_DEMO = List.of("ip[6:2] & 0x3fff != 0", "ether broadcast", "ip proto 47");

    /** libpcap, bound here for the oracle only. */
    static final class Oracle {
        static {
            Native.register(Oracle.class, "pcap");
        }

        static native Pointer pcap_open_dead(int linkType, int snaplen);

        static native int pcap_compile(Pointer pcap, Pointer program, String expression, int optimize, int netmask);

        static native int pcap_offline_filter(Pointer program, Pointer header, Pointer packet);

        static native void pcap_freecode(Pointer program);

        static native void pcap_close(Pointer pcap);
    }

    @Test
    void keepsWhatLibpcapKeeps() throws IOException {
        List<String> expressions = List.of("tcp", "udp port 5000", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
                "vlan", "vlan and vlan", "vlan 53", "ip6", "ip6 and tcp", "icmp or icmp6", "net 10.0.0.0/8",
                "host 10.0.0.21 or host 192.0.2.5", "portrange 20000-20050", "len > 500", "less 100",
                "ip[2:2] > 300", "ip[6:2] & 0x3fff != 0", "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
                "ether broadcast", "not arp and not ip", "ip proto 47", "(ip[0] & 0xf) * 4 + 8 < ip[2:2] / 2 % 1000",
                "udp and ip[9] - 17 = 0 and udp[4:2] - 8 >= 0");
        int[] memory = new int[BpfProgram.MEMORY_WORDS];
        for (String expression : expressions) {
            BpfProgram program = BpfCompiler.compile(expression, DLT_EN10MB, 262144);
            Pointer pcap = Oracle.pcap_open_dead(DLT_EN10MB, 262144);
            Memory compiled = new Memory(16);
            compiled.clear();
            assertThat(Oracle.pcap_compile(pcap, compiled, expression, 1, 0xffffffff)).as(expression).isZero();
            int kept = 0;
            int packets = 0;
            try (PcapFileReader reader = PcapFileReader.open(DEMO)) {
                PacketRecord packet = new PacketRecord();
                Memory header = new Memory(24);
                Memory frame = new Memory(262144);
                byte[] bytes = new byte[262144];
                while (reader.next(packet)) {
                    packets++;
                    header.clear();
                    header.setInt(16, packet.capturedLength());
                    header.setInt(20, packet.wireLength());
                    packet.copyTo(bytes, 0);
                    frame.write(0, bytes, 0, packet.capturedLength());
                    boolean libpcap = Oracle.pcap_offline_filter(compiled, header, frame) != 0;
                    assertThat(program.matches(packet, memory)).as("'%s', packet %d", expression, packets).isEqualTo(libpcap);
                    kept += libpcap ? 1 : 0;
                }
            } finally {
                Oracle.pcap_freecode(compiled);
                Oracle.pcap_close(pcap);
            }
            assertThat(packets).isEqualTo(1766);
            if (!NONE_IN_THE_DEMO.contains(expression)) {
                assertThat(kept).as("'%s' keeps some packets of the demo capture", expression).isPositive();
            }
        }
    }

    @Test
    void aFrameOfAnotherLinkTypeIsNeverKept() throws IOException {
        BpfProgram program = BpfCompiler.compile("len > 0", DLT_EN10MB, 65535);
        java.nio.ByteBuffer frame = java.nio.ByteBuffer.allocate(64);
        PacketRecord ethernet = new PacketRecord().set(frame, 0, 64, 64, 0, DLT_EN10MB);
        PacketRecord raw = new PacketRecord().set(frame, 0, 64, 64, 0, 101); // LINKTYPE_RAW
        int[] memory = new int[BpfProgram.MEMORY_WORDS];
        assertThat(program.matches(ethernet, memory)).isTrue();
        assertThat(program.matches(raw, memory)).isFalse();
    }

    @Test
    void aBadExpressionIsRefusedWithLibpcapsMessage() {
        assertThatThrownBy(() -> BpfCompiler.compile("tcp port", DLT_EN10MB, 65535))
                .isInstanceOf(IOException.class).hasMessageContaining("BPF filter 'tcp port' rejected: ");
    }

    @Test
    void aProgramThatCouldRunOutsideItselfIsRefused() {
        short ret = 0x06;
        short jeq = 0x15;
        assertThatThrownBy(() -> new BpfProgram("jump out", DLT_EN10MB, new short[] {jeq, ret}, new byte[] {5, 0}, new byte[2],
                new int[] {1, 65535})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("instruction 0").hasMessageContaining("jump out of the program");
        assertThatThrownBy(() -> new BpfProgram("no return", DLT_EN10MB, new short[] {0x00}, new byte[1], new byte[1], new int[1]))
                .hasMessageContaining("does not end with a return");
        assertThatThrownBy(() -> new BpfProgram("scratch", DLT_EN10MB, new short[] {0x02, ret}, new byte[2], new byte[2],
                new int[] {16, 0})).hasMessageContaining("scratch cell 16");
        assertThatThrownBy(() -> new BpfProgram("ancillary", DLT_EN10MB, new short[] {(short) 0xc8, ret}, new byte[2], new byte[2],
                new int[2])).hasMessageContaining("not a classic BPF instruction");
    }

    private static Path demoPcap() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("ops/demo-data/demo.pcap"))) {
                return p.resolve("ops/demo-data/demo.pcap");
            }
        }
        throw new IllegalStateException("no ops/demo-data/demo.pcap above " + Path.of("").toAbsolutePath());
    }
}
