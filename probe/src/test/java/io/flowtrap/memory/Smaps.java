package io.flowtrap.memory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What /proc/self/smaps says of the mapping that holds an address: the kernel's own account of our memory. */
final class Smaps {
    private Smaps() {}

    /** The value, in kB, of the {@code field} line (Rss, AnonHugePages...) of the mapping holding {@code address}. */
    static long kbAt(long address, String field) throws Exception {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        boolean inside = false;
        for (String line : lines) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                inside = Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16);
            } else if (inside && line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new AssertionError("no mapping holds " + Long.toHexString(address));
    }
}
