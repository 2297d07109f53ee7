package io.flowtrap.probe.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventSpoolTest {

    @TempDir
    Path dir;

    private static List<String> read(EventSpool spool) {
        List<String> out = new ArrayList<>();
        try (ExcerptTailer tailer = spool.queue().createTailer()) {
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        return out;
                    }
                    out.add(dc.wire().read(EventSpool.KIND_FIELD).text() + " " + dc.wire().read(EventSpool.JSON_FIELD).text());
                }
            }
        }
    }

    @Test
    void keepsKindAndJsonAcrossReopening() {
        try (EventSpool spool = new EventSpool(dir)) {
            spool.append(EventSpool.ALERT, "{\"a\":1}");
            spool.append(EventSpool.FLOW, "{\"f\":2}");
            assertThat(spool.appended()).isEqualTo(2);
        }
        try (EventSpool reopened = new EventSpool(dir)) {
            assertThat(reopened.appended()).isZero();
            assertThat(read(reopened)).containsExactly("alert {\"a\":1}", "flow {\"f\":2}");
        }
    }

    @Test
    void keepsEveryEventOnOneLine() {
        try (EventSpool spool = new EventSpool(dir)) {
            spool.append(EventSpool.ALERT, "{\"a\":1}\r\n");
            spool.append(EventSpool.ALERT, "{\n  \"b\": 2\n}\n");
            assertThat(read(spool)).containsExactly("alert {\"a\":1}", "alert {   \"b\": 2 }");
        }
    }

    @Test
    void refusesOtherKindsBlankEventsAndUseAfterClose() {
        EventSpool spool = new EventSpool(dir);
        assertThatThrownBy(() -> spool.append("dns", "{}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> spool.append(EventSpool.ALERT, " \n")).isInstanceOf(IllegalArgumentException.class);
        assertThat(spool.appended()).isZero();
        spool.close();
        assertThatThrownBy(() -> spool.append(EventSpool.ALERT, "{}")).isInstanceOf(IllegalStateException.class);
        spool.close(); // twice is fine
    }

    @Test
    void aSpoolDirectoryThatDoesNotExistYetIsMade() {
        try (EventSpool spool = new EventSpool(dir.resolve("not/yet"))) {
            assertThat(spool.append(EventSpool.ALERT, "{}")).isTrue();
        }
        assertThat(dir.resolve("not/yet")).isDirectory();
    }

    @Test
    void appendsFromSeveralThreadsLoseNothing() throws Exception {
        try (EventSpool spool = new EventSpool(dir)) {
            Thread[] writers = new Thread[4];
            for (int t = 0; t < writers.length; t++) {
                int id = t;
                writers[t] = new Thread(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        spool.append(EventSpool.ALERT, "{\"t\":" + id + ",\"i\":" + i + "}");
                    }
                });
                writers[t].start();
            }
            for (Thread w : writers) {
                w.join();
            }
            assertThat(spool.appended()).isEqualTo(8_000);
            List<String> all = read(spool);
            assertThat(all).hasSize(8_000).doesNotHaveDuplicates();
        }
    }
}
