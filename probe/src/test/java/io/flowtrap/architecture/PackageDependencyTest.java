package io.flowtrap.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering each package-info.java states, checked on the sources: formats and storage know
 * nothing of the capture path or of frameworks; the capture parts know only the packet layer.
 */
class PackageDependencyTest {
    private static final Path SOURCES = Path.of("src/main/java/io/flowtrap");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.*]+);", Pattern.MULTILINE);

    /** Package (relative to io/flowtrap) → import prefixes it may use besides java.* and itself. */
    private static final Map<String, List<String>> ALLOWED = Map.ofEntries(
            Map.entry("pcap", List.of("io.flowtrap.packet.PacketRecord")), // the reader fills the shared packet view
            Map.entry("packet", List.of("io.flowtrap.pcap")),
            Map.entry("memory", List.of("com.sun.jna", "org.slf4j")),
            // the JDK's own O_DIRECT option (ExtendedOpenOption.DIRECT) for the segment writer
            Map.entry("store", List.of("io.flowtrap.pcap", "io.flowtrap.packet", "io.flowtrap.memory", "com.sun.nio.file")),
            Map.entry("probe/flow", List.of("io.flowtrap.packet")),
            // the look-back ring lends its records to the store's writer, which copies armed flows' packets from it
            Map.entry("probe/lookback", List.of("io.flowtrap.packet", "io.flowtrap.memory", "io.flowtrap.store.HeldPackets")),
            // triggers: the matching core knows packets only; the service adds documents, their schema and a state file
            Map.entry("probe/trigger", List.of("io.flowtrap.packet", "io.flowtrap.probe.config.StateFile", "io.flowtrap.schemas",
                    "com.fasterxml.jackson", "org.slf4j")),
            Map.entry("probe/alert", List.of("io.flowtrap.packet", "com.fasterxml.jackson", "org.slf4j")),
            Map.entry("probe/config", List.of("com.fasterxml.jackson")),
            // live capture: libpcap through pcap4j, or the kernel's ring through JNA; the settings pick one
            Map.entry("probe/capture", List.of("io.flowtrap.packet", "io.flowtrap.pcap", "io.flowtrap.probe.config", "org.pcap4j",
                    "com.sun.jna", "io.flowtrap.memory.MappedPages", "org.slf4j")),
            // the probe API serves carves and searches over the JDK's server; it knows alerts, the store and a compiled filter, not the capture path
            Map.entry("probe/api", List.of("io.flowtrap.api", "io.flowtrap.store", "io.flowtrap.probe.alert",
                    "io.flowtrap.probe.extraction", "io.flowtrap.probe.settings", "io.flowtrap.probe.trigger", "com.sun.net.httpserver",
                    "io.flowtrap.packet.BpfProgram", "io.flowtrap.schemas",
                    "com.fasterxml.jackson", "org.slf4j")),
            // run-time settings: their document and file; applied through an interface the running probe implements
            Map.entry("probe/settings", List.of("io.flowtrap.probe.config", "io.flowtrap.schemas", "com.fasterxml.jackson",
                    "org.slf4j")),
            // metrics read published counters and the store's status; they know neither the API nor the sources
            Map.entry("probe/metrics", List.of("io.flowtrap.probe.pipeline.CaptureCounters", "io.flowtrap.probe.alert.AlertIntakeCounters",
                    "io.flowtrap.store", "io.flowtrap.probe.spool.SpoolShipper", "io.micrometer")),
            // the spool carries strings: it knows neither packets, flows nor alerts
            Map.entry("probe/spool", List.of("io.flowtrap.api.tls", "net.openhft.chronicle", "com.fasterxml.jackson", "org.slf4j")));

    @Test
    void eachPackageImportsOnlyWhatItsLayerAllows() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, List<String>> rule : ALLOWED.entrySet()) {
            Path dir = SOURCES.resolve(rule.getKey());
            assertThat(dir).isDirectory();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    Matcher m = IMPORT.matcher(Files.readString(file));
                    while (m.find()) {
                        String imported = m.group(1);
                        boolean ok = imported.startsWith("java.") || imported.startsWith("javax.")
                                || imported.startsWith("io.flowtrap." + rule.getKey().replace('/', '.'))
                                || rule.getValue().stream().anyMatch(imported::startsWith);
                        if (!ok) {
                            violations.add(file + " imports " + imported);
                        }
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }
}
