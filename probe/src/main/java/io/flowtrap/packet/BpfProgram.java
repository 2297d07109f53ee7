package io.flowtrap.packet;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A classic BPF program (the instructions libpcap's {@code pcap_compile} makes of a tcpdump
 * expression) and an interpreter for it, so the probe can test a packet it holds without a system
 * call: a trigger's filter on a flow's first packet, or on packets in the look-back ring.
 *
 * <p>It runs what libpcap's own {@code bpf_filter()} runs, with its semantics: loads are
 * big-endian, a load outside the captured bytes or a division by zero rejects the packet (returns
 * 0), comparisons are unsigned, the result is the number of bytes to keep (0: rejected). Only
 * instructions from the classic set are accepted (no Linux ancillary loads: a program compiled on
 * a dead handle, as {@code pcap_open_dead} gives, never has them). The program is checked once,
 * when built, as the kernel checks one before attaching it: every jump lands inside, the last
 * instruction returns, scratch cells are 0..15; so a run never fails.
 *
 * <p>A program is immutable; {@link #matches} and {@link #run} allocate nothing and may be called
 * from several threads at once (the scratch memory is a caller's argument).
 */
public final class BpfProgram {
    /** Scratch cells a program may use ({@code BPF_MEMWORDS}). */
    public static final int MEMORY_WORDS = 16;
    /** Longest program accepted ({@code BPF_MAXINSNS}). */
    public static final int MAX_INSTRUCTIONS = 4096;

    private static final int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, RET = 0x06, MISC = 0x07;
    private static final int W = 0x00, H = 0x08, B = 0x10;
    private static final int IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, LEN = 0x80, MSH = 0xa0;
    private static final int ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60,
            RSH = 0x70, NEG = 0x80, MOD = 0x90, XOR = 0xa0;
    private static final int JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40;
    private static final int SRC_X = 0x08;
    private static final int RET_K = 0x00, RET_X = 0x08, RET_A = 0x10;
    private static final int TAX = 0x00, TXA = 0x80;

    private final String expression;
    private final int linkType;
    private final short[] code;
    private final byte[] jt;
    private final byte[] jf;
    private final int[] k;

    /**
     * A program of {@code code.length} instructions ({@code struct bpf_insn}: u16 code, u8 jt, u8 jf,
     * u32 k), checked here.
     *
     * @param expression what it was compiled from, for messages
     * @param linkType the link type (DLT) of the frames it was compiled for: its offsets are theirs
     * @throws IllegalArgumentException naming the first instruction that makes it unsafe to run
     */
    public BpfProgram(String expression, int linkType, short[] code, byte[] jt, byte[] jf, int[] k) {
        int n = code.length;
        if (n == 0 || n > MAX_INSTRUCTIONS || jt.length != n || jf.length != n || k.length != n) {
            throw new IllegalArgumentException("BPF program '" + expression + "': " + n + " instructions");
        }
        this.expression = expression;
        this.linkType = linkType;
        this.code = code.clone();
        this.jt = jt.clone();
        this.jf = jf.clone();
        this.k = k.clone();
        for (int pc = 0; pc < n; pc++) {
            String problem = problem(pc);
            if (problem != null) {
                throw new IllegalArgumentException("BPF program '" + expression + "', instruction " + pc + " (code 0x"
                        + Integer.toHexString(this.code[pc] & 0xFFFF) + "): " + problem);
            }
        }
        if (cls(n - 1) != RET) {
            throw new IllegalArgumentException("BPF program '" + expression + "' does not end with a return");
        }
    }

    public String expression() {
        return expression;
    }

    public int length() {
        return code.length;
    }

    public int linkType() {
        return linkType;
    }

    /**
     * Whether the program keeps the packet (returns a length above 0). A frame of another link type
     * than the program's is never kept: the program's offsets are not that frame's.
     */
    public boolean matches(PacketRecord packet, int[] memory) {
        return packet.linkType() == linkType && run(packet.buffer(), packet.offset(), packet.capturedLength(), packet.wireLength(), memory) != 0;
    }

    /**
     * Runs the program over {@code capturedLength} bytes of {@code buffer} from {@code offset} (a
     * frame of {@code wireLength} bytes on the wire) and returns what it returns: the bytes to keep,
     * 0 to reject. {@code memory} holds at least {@link #MEMORY_WORDS} ints; its contents are
     * overwritten.
     */
    public int run(ByteBuffer buffer, int offset, int capturedLength, int wireLength, int[] memory) {
        int a = 0;
        int x = 0;
        int pc = 0;
        while (true) {
            int c = code[pc] & 0xFFFF;
            int kk = k[pc];
            switch (c & 0x07) {
                case LD -> {
                    int mode = c & 0xe0;
                    if (mode == IMM) {
                        a = kk;
                    } else if (mode == MEM) {
                        a = memory[kk];
                    } else if (mode == LEN) {
                        a = wireLength;
                    } else { // ABS or IND; an IND offset wraps at 32 bits, as libpcap's does
                        long at = (mode == IND ? x + kk : kk) & 0xFFFF_FFFFL;
                        int size = size(c);
                        if (at + size > capturedLength) {
                            return 0;
                        }
                        a = load(buffer, offset + (int) at, size);
                    }
                }
                case LDX -> {
                    int mode = c & 0xe0;
                    if (mode == IMM) {
                        x = kk;
                    } else if (mode == MEM) {
                        x = memory[kk];
                    } else if (mode == LEN) {
                        x = wireLength;
                    } else { // MSH: the IPv4 header length at byte k
                        if ((kk & 0xFFFF_FFFFL) >= capturedLength) {
                            return 0;
                        }
                        x = (buffer.get(offset + kk) & 0x0F) << 2;
                    }
                }
                case ST -> memory[kk] = a;
                case STX -> memory[kk] = x;
                case ALU -> {
                    int operand = (c & SRC_X) != 0 ? x : kk;
                    switch (c & 0xf0) {
                        case ADD -> a += operand;
                        case SUB -> a -= operand;
                        case MUL -> a *= operand;
                        case DIV -> {
                            if (operand == 0) {
                                return 0;
                            }
                            a = Integer.divideUnsigned(a, operand);
                        }
                        case MOD -> {
                            if (operand == 0) {
                                return 0;
                            }
                            a = Integer.remainderUnsigned(a, operand);
                        }
                        case OR -> a |= operand;
                        case AND -> a &= operand;
                        case XOR -> a ^= operand;
                        case LSH -> a = (operand & 0xFFFF_FFFFL) >= 32 ? 0 : a << operand;
                        case RSH -> a = (operand & 0xFFFF_FFFFL) >= 32 ? 0 : a >>> operand;
                        default -> a = -a; // NEG (checked when built)
                    }
                }
                case JMP -> {
                    int op = c & 0xf0;
                    if (op == JA) {
                        pc += kk;
                    } else {
                        int operand = (c & SRC_X) != 0 ? x : kk;
                        boolean taken = switch (op) {
                            case JEQ -> a == operand;
                            case JGT -> Integer.compareUnsigned(a, operand) > 0;
                            case JGE -> Integer.compareUnsigned(a, operand) >= 0;
                            default -> (a & operand) != 0; // JSET
                        };
                        pc += taken ? jt[pc] & 0xFF : jf[pc] & 0xFF;
                    }
                }
                case RET -> {
                    int rval = c & 0x18;
                    return rval == RET_A ? a : rval == RET_X ? x : kk;
                }
                default -> { // MISC
                    if ((c & 0xf8) == TXA) {
                        a = x;
                    } else {
                        x = a;
                    }
                }
            }
            pc++;
        }
    }

    private int cls(int pc) {
        return code[pc] & 0x07;
    }

    /** A big-endian load, byte by byte: the buffer's own order is the file's, not the network's. */
    private static int load(ByteBuffer buffer, int at, int size) {
        int v = buffer.get(at) & 0xFF;
        for (int i = 1; i < size; i++) {
            v = v << 8 | buffer.get(at + i) & 0xFF;
        }
        return v;
    }

    private static int size(int c) {
        return switch (c & 0x18) {
            case W -> 4;
            case H -> 2;
            default -> 1;
        };
    }

    /** What makes instruction {@code pc} unknown or unsafe to run, or null (the checks of libpcap's bpf_validate). */
    private String problem(int pc) {
        int c = code[pc] & 0xFFFF;
        int kk = k[pc];
        int n = code.length;
        return switch (c) {
            // loads: LD W|H|B ABS|IND, LD IMM|MEM|LEN, LDX IMM|MEM|LEN, LDX B MSH
            case LD | W | ABS, LD | H | ABS, LD | B | ABS, LD | W | IND, LD | H | IND, LD | B | IND, LD | IMM, LD | LEN,
                    LDX | IMM, LDX | LEN, LDX | B | MSH, MISC | TAX, MISC | TXA, RET | RET_K, RET | RET_X, RET | RET_A -> null;
            case LD | MEM, LDX | MEM, ST, STX -> memoryCell(kk);
            case ALU | ADD, ALU | SUB, ALU | MUL, ALU | OR, ALU | AND, ALU | XOR, ALU | NEG, ALU | DIV, ALU | MOD,
                    ALU | ADD | SRC_X, ALU | SUB | SRC_X, ALU | MUL | SRC_X, ALU | OR | SRC_X, ALU | AND | SRC_X,
                    ALU | XOR | SRC_X, ALU | DIV | SRC_X, ALU | MOD | SRC_X, ALU | LSH | SRC_X, ALU | RSH | SRC_X -> null;
            case ALU | LSH, ALU | RSH -> (kk & 0xFFFF_FFFFL) >= 32 ? "shift by " + (kk & 0xFFFF_FFFFL) : null;
            case JMP | JA -> (kk & 0xFFFF_FFFFL) >= n - pc - 1 ? "jump out of the program" : null;
            case JMP | JEQ, JMP | JGT, JMP | JGE, JMP | JSET, JMP | JEQ | SRC_X, JMP | JGT | SRC_X, JMP | JGE | SRC_X,
                    JMP | JSET | SRC_X ->
                    pc + 1 + (jt[pc] & 0xFF) >= n || pc + 1 + (jf[pc] & 0xFF) >= n ? "jump out of the program" : null;
            default -> "not a classic BPF instruction";
        };
    }

    private static String memoryCell(int kk) {
        return kk < 0 || kk >= MEMORY_WORDS ? "scratch cell " + (kk & 0xFFFF_FFFFL) + " outside 0.." + (MEMORY_WORDS - 1) : null;
    }

    @Override
    public String toString() {
        return "BpfProgram[" + expression + ", " + code.length + " instructions]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BpfProgram p && linkType == p.linkType && Arrays.equals(code, p.code) && Arrays.equals(jt, p.jt)
                && Arrays.equals(jf, p.jf) && Arrays.equals(k, p.k);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(code) * 31 + Arrays.hashCode(k);
    }
}
