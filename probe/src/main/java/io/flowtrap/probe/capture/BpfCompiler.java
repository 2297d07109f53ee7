package io.flowtrap.probe.capture;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.flowtrap.packet.BpfProgram;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Compiles a tcpdump expression into classic BPF with libpcap's own compiler ({@code pcap_compile}
 * on a dead handle of the given link type, optimised, netmask unknown): the program libpcap would
 * run on frames of that link type as they are in a file. A probe's frames are always as in a file:
 * the ring source puts back the VLAN tag the kernel took off, so {@code vlan} tests the frame bytes
 * and is right here (unlike in a socket filter, which runs before the tag is put back: see {@link
 * SocketFilter}).
 *
 * <p>The instructions ({@code struct bpf_insn}, 8 bytes each in native order: u16 code, u8 jt, u8
 * jf, u32 k) are copied out of libpcap's {@code struct bpf_program} (u32 bf_len @0, pointer @8).
 */
public final class BpfCompiler {
    /** libpcap's {@code PCAP_NETMASK_UNKNOWN}: {@code ip broadcast} cannot be compiled without it. */
    private static final int PCAP_NETMASK_UNKNOWN = 0xffffffff;
    static final int INSTRUCTION_BYTES = 8;

    private BpfCompiler() {}

    /**
     * The program for {@code expression} on frames of {@code linkType} (a DLT number), accepting up
     * to {@code snaplen} bytes.
     *
     * @throws IOException with libpcap's own message if the expression does not compile
     */
    public static BpfProgram compile(String expression, int linkType, int snaplen) throws IOException {
        ByteBuffer raw = ByteBuffer.wrap(instructions(expression, linkType, snaplen)).order(ByteOrder.nativeOrder());
        int n = raw.capacity() / INSTRUCTION_BYTES;
        short[] code = new short[n];
        byte[] jt = new byte[n];
        byte[] jf = new byte[n];
        int[] k = new int[n];
        for (int i = 0; i < n; i++) {
            code[i] = raw.getShort(i * INSTRUCTION_BYTES);
            jt[i] = raw.get(i * INSTRUCTION_BYTES + 2);
            jf[i] = raw.get(i * INSTRUCTION_BYTES + 3);
            k[i] = raw.getInt(i * INSTRUCTION_BYTES + 4);
        }
        return new BpfProgram(expression, linkType, code, jt, jf, k);
    }

    /** The compiled instructions as libpcap lays them out, {@value #INSTRUCTION_BYTES} bytes each. */
    static byte[] instructions(String expression, int linkType, int snaplen) throws IOException {
        Pointer pcap = Libpcap.pcap_open_dead(linkType, snaplen);
        if (pcap == null) {
            throw new IOException("libpcap: pcap_open_dead failed");
        }
        try {
            Memory program = new Memory(16);
            program.clear();
            if (Libpcap.pcap_compile(pcap, program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0) {
                throw new IOException("BPF filter '" + expression + "' rejected: " + Libpcap.pcap_geterr(pcap));
            }
            try {
                int count = program.getInt(0);
                return program.getPointer(8).getByteArray(0, count * INSTRUCTION_BYTES);
            } finally {
                Libpcap.pcap_freecode(program);
            }
        } finally {
            Libpcap.pcap_close(pcap);
        }
    }
}
