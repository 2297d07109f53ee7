package io.flowtrap.probe.capture;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The libpcap calls the ring capture needs to compile a BPF filter, bound by JNA's direct mapping
 * to the same library pcap4j loads (system property {@code org.pcap4j.core.pcapLibName}, else
 * {@code pcap}). pcap4j compiles filters too, but keeps the compiled instructions to itself
 * ({@code BpfProgram} has no public accessor), and the kernel and the probe's own interpreter need
 * them. Only {@link BpfCompiler} calls these.
 */
final class Libpcap {
    static {
        Native.register(Libpcap.class, System.getProperty("org.pcap4j.core.pcapLibName", "pcap"));
    }

    private Libpcap() {}

    static native Pointer pcap_open_dead(int linkType, int snaplen);

    static native int pcap_compile(Pointer pcap, Pointer program, String expression, int optimize, int netmask);

    static native String pcap_geterr(Pointer pcap);

    static native void pcap_freecode(Pointer program);

    static native void pcap_close(Pointer pcap);
}
