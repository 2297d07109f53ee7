package io.flowtrap.probe.alert;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads a recorded eve.json line by line: each alert, each other event and each malformed line
 * (with its 1-based line number) goes to a {@link Visitor}. For replays and per-alert extraction,
 * where a bad line must be reported and the rest still read. Stateless; thread-safe.
 */
public final class EveAlertFile {
    /** What a reader of an eve.json is told, line by line. */
    public interface Visitor {
        void alert(EveAlert alert) throws IOException;

        void malformed(int lineNumber, MalformedAlertException reason);

        /** An event that is not an alert (flow, stats, dns …). */
        default void otherEvent() {}
    }

    private EveAlertFile() {}

    public static void read(Path file, EveAlertParser parser, Visitor visitor) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                Optional<EveAlert> alert;
                try {
                    alert = parser.parse(line);
                } catch (MalformedAlertException e) {
                    visitor.malformed(lineNumber, e);
                    continue;
                }
                if (alert.isPresent()) {
                    visitor.alert(alert.get());
                } else {
                    visitor.otherEvent();
                }
            }
        }
    }
}
