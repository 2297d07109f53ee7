package io.flowtrap.probe.capture;

import com.sun.jna.Memory;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * A classic BPF program for {@code SO_ATTACH_FILTER}, compiled by libpcap from a tcpdump-style
 * expression for Ethernet at a snaplen (the program's "accept" returns the snaplen, so the kernel
 * truncates longer frames). Compiled on a dead handle ({@code pcap_open_dead}): the same code
 * libpcap would attach for a live Ethernet interface, except for the {@code vlan} keyword. On a
 * live Linux handle libpcap compiles {@code vlan} to tests of the kernel's ancillary VLAN data,
 * because the kernel has taken the outermost tag off the frame before any filter runs; on a dead
 * handle it tests the frame bytes, which would silently match the wrong frames here. So an
 * expression naming {@code vlan} is refused (use {@code capture.engine: pcap} for it).
 *
 * <p>The instructions ({@code struct sock_filter}, the same 8 bytes as libpcap's {@code struct
 * bpf_insn}) are {@link BpfCompiler}'s, in memory the kernel is given a pointer to.
 */
record SocketFilter(String expression, Memory instructions, int instructionCount) {
    private static final int DLT_EN10MB = 1;
    private static final Pattern VLAN_KEYWORD = Pattern.compile("(?<![\\w.-])vlan(?![\\w.-])");

    /**
     * Compiles {@code expression} (blank: no filter, null returned).
     *
     * @throws IOException with libpcap's message if the expression does not compile, or if it names
     *     {@code vlan}
     */
    static SocketFilter compile(String expression, int snaplen) throws IOException {
        if (expression == null || expression.isBlank()) {
            return null;
        }
        if (VLAN_KEYWORD.matcher(expression).find()) {
            throw new IOException("BPF filter '" + expression + "': the ring engine cannot filter on 'vlan' (the kernel"
                    + " strips the tag before the filter runs); use capture.engine: pcap for this filter");
        }
        byte[] raw = BpfCompiler.instructions(expression, DLT_EN10MB, snaplen);
        Memory copy = new Memory(raw.length);
        copy.write(0, raw, 0, raw.length);
        return new SocketFilter(expression, copy, raw.length / BpfCompiler.INSTRUCTION_BYTES);
    }
}
